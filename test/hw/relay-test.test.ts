/**
 * Commissioning's relay test on real gpio files (driver.ts, test-output.ts): forced on and
 * off only in dry run, "stop" hands the output back to the engine's level (or, before the
 * engine decided, to the level it had), leaving dry run ends every test, and the driver says
 * what each target has beside what the engine wants, with why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../service/hw/clock';
import { OutputDriver } from '../../service/hw/targets/driver';
import { GpioTarget } from '../../service/hw/targets/simple';
import { SimBoard } from '../../service/hw/simboard';

let dir: string;
let board: SimBoard;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smallbms-rt-'));
  board = SimBoard.create(join(dir, 'gpio'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function driver(dryRun: boolean): OutputDriver {
  const relay = (n: number) =>
    new GpioTarget({ type: 'gpio', path: `relay_${n}/value`, invert: false }, board.root);
  return new OutputDriver(
    { load: [relay(1)], charge: [relay(2)], preAlarm: [] },
    { clock: new ManualClock(), dryRun },
  );
}

test('outside dry run a test is refused with the reason, and nothing moves', async () => {
  const d = driver(false);
  await d.applyAll({ load: true, charge: true, preAlarm: false });
  const refused = await d.testOutput('load', false);
  expect(refused.map((r) => r.result)).toEqual([
    { status: 'refused', message: 'only in dry run: turn on dry run first' },
  ]);
  expect(board.readRelay(1)).toBe(1);
  expect(d.tests()).toEqual({ load: null, charge: null, preAlarm: null });
});

test('in dry run: forced off, then "stop" puts the engine\'s level back (not left off)', async () => {
  const d = driver(false);
  await d.applyAll({ load: true, charge: true, preAlarm: false });
  await d.setDryRun(true);
  const forced = await d.testOutput('load', false);
  expect(forced[0].result.status).toBe('ok');
  expect(board.readRelay(1)).toBe(0);
  expect(d.tests().load).toBe(false);
  expect(d.levels().find((l) => l.output === 'load')).toMatchObject({
    actual: false,
    wanted: true,
    why: 'test',
  });
  await d.testOutput('load', null);
  expect(board.readRelay(1)).toBe(1);
  expect(d.tests().load).toBeNull();
  // Still dry run, no test: a target at the engine's level has nothing to explain.
  expect(d.levels().find((l) => l.output === 'load')).toMatchObject({ actual: true, wanted: true });
});

test('"stop" follows what the engine wants now, also when it changed during the test', async () => {
  const d = driver(true);
  await d.applyAll({ load: true, charge: true, preAlarm: false });
  await d.testOutput('charge', true);
  await d.applyAll({ load: true, charge: false, preAlarm: false }); // dry run: not driven
  expect(board.readRelay(2)).toBe(1);
  await d.testOutput('charge', null);
  expect(board.readRelay(2)).toBe(0);
});

test('before the engine decided, "stop" restores the level the target had before the test', async () => {
  board.setRelay(1, 1);
  const d = driver(true);
  d.start();
  await d.readBack();
  await d.testOutput('load', false);
  expect(board.readRelay(1)).toBe(0);
  await d.testOutput('load', null);
  expect(board.readRelay(1)).toBe(1);
  d.stop();
});

test("leaving dry run ends every test and drives the engine's levels", async () => {
  const d = driver(true);
  await d.applyAll({ load: true, charge: false, preAlarm: false });
  await d.testOutput('load', false);
  await d.testOutput('charge', true);
  expect([board.readRelay(1), board.readRelay(2)]).toEqual([0, 1]);
  await d.setDryRun(false);
  expect([board.readRelay(1), board.readRelay(2)]).toEqual([1, 0]);
  expect(d.tests()).toEqual({ load: null, charge: null, preAlarm: null });
});

test('leaving dry run before any decision puts a tested target back where it was', async () => {
  board.setRelay(2, 0);
  const d = driver(true);
  d.start();
  await d.readBack();
  await d.testOutput('charge', true);
  expect(board.readRelay(2)).toBe(1);
  await d.setDryRun(false);
  await d.idle();
  expect(board.readRelay(2)).toBe(0);
  d.stop();
});

test('an output without targets: nothing to test (empty report)', async () => {
  const d = driver(true);
  expect(await d.testOutput('preAlarm', true)).toEqual([]);
  expect(d.hasTargets('preAlarm')).toBe(false);
});

test("dry run: the level the targets have is shown beside the engine's wish", async () => {
  const d = driver(false);
  await d.applyAll({ load: true, charge: true, preAlarm: false });
  await d.setDryRun(true);
  await d.applyAll({ load: false, charge: true, preAlarm: false });
  expect(d.levels().find((l) => l.output === 'load')).toMatchObject({
    actual: true,
    wanted: false,
    why: 'dryRun',
  });
});
