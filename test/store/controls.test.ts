/**
 * <dataDir>/controls.json and the config's `dryRun`: the config's value is remembered next to
 * the live switch; an edited config wins at the next start, otherwise the live switch (console,
 * `smallbms dry-run`, MQTT) persists. Files from before the remembered value still load.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BY_CONFIG,
  controlsFile,
  dryRunNote,
  loadControls,
  saveControls,
} from '../../service/src/app/controls';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-controls-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (v: unknown): void => fs.writeFileSync(controlsFile(dir), JSON.stringify(v));
const LIVE = 'D-Bus /Bms/DryRun';

test('no file: remote on, dry run from the config', () => {
  for (const dry of [false, true]) {
    const l = loadControls(dir, dry);
    expect(l.controls).toEqual({
      remoteOn: true,
      dryRun: dry,
      configDryRun: dry,
      dryRunBy: BY_CONFIG,
    });
    expect([l.warning, l.configWon, l.stale]).toEqual([null, false, false]);
  }
});

test('config unchanged since the last start: the live switch persists (both ways)', async () => {
  // Commissioning: config true, switched off from the console.
  await saveControls(dir, { remoteOn: false, dryRun: false, configDryRun: true, dryRunBy: LIVE });
  const off = loadControls(dir, true);
  expect(off.controls).toEqual({
    remoteOn: false,
    dryRun: false,
    configDryRun: true,
    dryRunBy: LIVE,
  });
  expect([off.configWon, off.stale]).toEqual([false, false]);
  // Config false, switched on from the console: stays on.
  write({ remoteOn: true, dryRun: true, configDryRun: false, dryRunBy: LIVE });
  expect(loadControls(dir, false).controls.dryRun).toBe(true);
});

test('the config edited since the last start wins (the reported bug), remote kept', () => {
  write({ remoteOn: false, dryRun: true, configDryRun: true, dryRunBy: LIVE });
  const l = loadControls(dir, false);
  expect(l.controls).toEqual({
    remoteOn: false,
    dryRun: false,
    configDryRun: false,
    dryRunBy: BY_CONFIG,
  });
  expect([l.configWon, l.stale]).toEqual([true, true]);
  // Edited to the value the live switch already has: not a switch, but remembered anew.
  write({ remoteOn: true, dryRun: true, configDryRun: false, dryRunBy: LIVE });
  const same = loadControls(dir, true);
  expect(same.controls.dryRun).toBe(true);
  expect([same.configWon, same.stale]).toEqual([false, true]);
});

test('an old file (no remembered config value) loads: remote kept, the config decides', () => {
  write({ remoteOn: false, dryRun: true });
  const l = loadControls(dir, false);
  expect(l.warning).toBeNull();
  expect(l.controls).toMatchObject({ remoteOn: false, dryRun: false, configDryRun: false });
  expect(l.configWon).toBe(true);
  expect(loadControls(dir, true).controls).toMatchObject({ remoteOn: false, dryRun: true });
});

test('a corrupt file: defaults and a warning', () => {
  fs.writeFileSync(controlsFile(dir), '{"remoteOn": tr');
  const l = loadControls(dir, true);
  expect(l.controls).toMatchObject({ remoteOn: true, dryRun: true });
  expect(l.warning).toMatch(/corrupt/);
});

test('the dry-run note names who set it; none when off', () => {
  expect(dryRunNote({ remoteOn: true, dryRun: true, dryRunBy: LIVE })).toBe(
    `dry run: outputs are not driven, protection is off (set by ${LIVE})`,
  );
  expect(dryRunNote({ remoteOn: true, dryRun: true })).toContain(`(set by ${BY_CONFIG})`);
  expect(dryRunNote({ remoteOn: true, dryRun: false, dryRunBy: LIVE })).toBeNull();
});
