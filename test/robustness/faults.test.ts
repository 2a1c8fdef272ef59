/**
 * Faults around the running service: systemcalc/localsettings going away and coming back,
 * every GPIO file vanishing, a damaged history between restarts, a full disk.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalSettingsStandIn } from '../../service/src/sim/localsettings';
import { SystemcalcStandIn } from '../../service/src/sim/systemcalc';
import { shutdown, startService, tempRoot, waitFor, type Running } from '../e2e/harness';

let r: Running | undefined;
afterEach(async () => {
  await shutdown(r);
  r = undefined;
});

/** No minimum off time: the faults cycle outputs quickly. */
const fast = (c: Record<string, unknown>): void => {
  c.tunables = { minOffTimeS: 0 };
};

const relay = (n: number): 0 | 1 | null => (r as Running).gx.board.readRelay(n);

test('systemcalc and localsettings stopped and restarted: protection goes on, relays re-driven', async () => {
  r = await startService({ editConfig: fast });
  const { gx } = r;
  await waitFor(
    () => relay(2),
    (v) => v === 1,
    'charge relay on',
  );
  await gx.systemcalc?.stop();
  await gx.settings?.stop();
  // While systemcalc is away the charge line opens: the engine still decides.
  gx.board.setInput(2, 1);
  await waitFor(
    () => r?.value('/Bms/Outputs/Charge'),
    (v) => v === 0,
    'charge output off',
  );
  // systemcalc returns (its relay file starts at 0, as at boot), then the line closes again.
  const address = gx.address ?? '';
  gx.settings = new LocalSettingsStandIn({
    address,
    file: path.join(gx.o.root, 'settings.json'),
    initial: { '/Settings/Relay/Function': 2, '/Settings/Relay/1/Function': 2 },
  });
  await gx.settings.start();
  gx.systemcalc = new SystemcalcStandIn({ address, gpioRoot: gx.board.root, relays: 2 });
  await gx.systemcalc.start();
  gx.board.setInput(2, 0);
  await waitFor(
    () => relay(2),
    (v) => v === 1,
    'charge relay re-driven on',
    8000,
  );
  await waitFor(
    () => relay(1),
    (v) => v === 1,
    'load relay re-driven on',
    8000,
  );
  expect(r.proc.exitCode).toBeNull();
}, 30000);

test('every GPIO input file vanishing and returning: FAULT with outputs off, then back', async () => {
  r = await startService({ editConfig: fast });
  const { gx } = r;
  await waitFor(
    () => relay(1),
    (v) => v === 1,
    'load relay on',
  );
  for (let n = 1; n <= 4; n++) gx.board.removeInput(n);
  await waitFor(
    () => r?.value('/Bms/Outputs/Load'),
    (v) => v === 0,
    'load off',
  );
  await waitFor(
    () => relay(1),
    (v) => v === 0,
    'load relay off',
  );
  expect(relay(2)).toBe(0);
  for (let n = 1; n <= 4; n++) gx.board.restoreInput(n, n === 3 ? 1 : 0);
  await waitFor(
    () => r?.value('/Bms/Outputs/Charge'),
    (v) => v === 1,
    'charge back',
    8000,
  );
  expect(r.proc.exitCode).toBeNull();
}, 30000);

test('history truncated mid-line and corrupted between restarts: service starts, history readable', async () => {
  r = await startService({ editConfig: fast });
  const { gx } = r;
  for (let i = 0; i < 3; i++) {
    gx.board.setInput(2, 1);
    await waitFor(
      () => r?.value('/Bms/Outputs/Charge'),
      (v) => v === 0,
      'charge off',
    );
    gx.board.setInput(2, 0);
    await waitFor(
      () => r?.value('/Bms/Outputs/Charge'),
      (v) => v === 1,
      'charge on',
      15000,
    );
  }
  await r.stop();
  const file = path.join(gx.o.root, 'data', 'events.jsonl');
  const text = fs.readFileSync(file, 'utf8');
  expect(text.length).toBeGreaterThan(0);
  fs.writeFileSync(file, `${text.slice(0, Math.floor(text.length * 0.6))}\u0000\u00ff{"garbage`);
  await r.restart();
  expect(typeof (await r.value('/State'))).toBe('number');
  const again = fs.readFileSync(file, 'utf8');
  expect(again.length).toBeGreaterThan(0);
  // The events command reads it (the CLI the install status uses).
  await r.stop();
  fs.writeFileSync(file, '\u0000'.repeat(4096));
  await r.restart();
  expect(typeof (await r.value('/State'))).toBe('number');
  expect(r.log()).not.toMatch(/\n\s+at /);
}, 60000);

function canMount(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('disk full while writing history: logged, protection unaffected (tmpfs of 64 kB, root only)', async () => {
  const root = tempRoot('diskfull');
  const data = path.join(root, 'data');
  fs.mkdirSync(data, { recursive: true });
  if (!canMount(data)) {
    // Covered at unit level in history-io.test.ts.
    fs.rmSync(root, { recursive: true, force: true });
    return;
  }
  try {
    r = await startService({ root, editConfig: fast });
    // Fill the tmpfs, leaving no room for another event line.
    try {
      fs.writeFileSync(path.join(data, 'filler'), Buffer.alloc(64 * 1024));
    } catch {
      /* ENOSPC once full: that is the point */
    }
    for (let i = 0; i < 3; i++) {
      r.gx.board.setInput(2, 1);
      await waitFor(
        () => relay(2),
        (v) => v === 0,
        'charge relay off',
      );
      r.gx.board.setInput(2, 0);
      await waitFor(
        () => relay(2),
        (v) => v === 1,
        'charge relay on',
        15000,
      );
    }
    await waitFor(
      () => r?.log() ?? '',
      (l) => /cannot be written|ENOSPC/.test(l),
      'ENOSPC logged',
    );
    expect(r.proc.exitCode).toBeNull();
    await shutdown(r);
    r = undefined;
  } finally {
    try {
      execFileSync('umount', [data], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}, 60000);
