import * as fs from 'node:fs';
import { serviceNode } from '../helpers/runtime';
import { shutdown, startService, waitFor, type Running } from './harness';

let r: Running | undefined;
afterAll(() => shutdown(r));

test('the real service drives relays through systemcalc and publishes its state on D-Bus', async () => {
  r = await startService({});
  const running = r;
  await waitFor(
    () => running.value('/Bms/State'),
    (v) => v === 1,
    'NORMAL',
  );
  expect(running.gx.board.readRelay(1)).toBe(1);
  expect(running.gx.board.readRelay(2)).toBe(1);
  expect(await running.value('/Soc')).toBe(80);
});

test('the service runs on the Node under test ($SMALLBMS_TEST_NODE, else the one running jest)', async () => {
  const running = r ?? (r = await startService({}));
  const exe = fs.realpathSync(`/proc/${running.proc.pid}/exe`);
  expect(exe).toBe(fs.realpathSync(serviceNode()));
});
