/**
 * Acceptance of "The running service", protection by the BMS lines: the real `smallbms run`
 * on a simulated GX (private D-Bus, systemcalc and localsettings stand-ins, sysfs-like board),
 * in accelerated time. Relay files are what systemcalc wrote; times are checked in the event
 * history (simulation ms), never with wall-clock windows.
 */
import {
  SETTINGS,
  getRemote,
  cli,
  isOutput,
  isState,
  lastSeq,
  readEvents,
  scaledLines,
  setRemote,
  shutdown,
  startService,
  waitEvent,
  waitFor,
  waitValue,
  type Running,
} from './harness';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { ensureBundle } from '../../scripts/bundle.js';
import type { HistoryEvent } from '../../service/src/status';
import { serviceNode } from '../helpers/runtime';
import { TEST_REFUSED } from '../../service/src/words';

const SPEED = 20;
let r: Running;

beforeAll(async () => {
  r = await startService({ args: ['--sim-speed', String(SPEED)], editConfig: scaledLines(SPEED) });
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  await waitFor(
    () => [r.gx.board.readRelay(1), r.gx.board.readRelay(2)],
    (v) => v[0] === 1 && v[1] === 1,
    'both relays on',
  );
});
afterAll(() => shutdown(r));

const relays = (): [number | null, number | null] => [
  r.gx.board.readRelay(1),
  r.gx.board.readRelay(2),
];

const DRY_NOTE = 'dry run: outputs are not driven, protection is off';
const isControl =
  (name: string, to: boolean) =>
  (e: HistoryEvent): boolean =>
    e.kind === 'control' && e.name === name && e.to === to;

async function backToNormal(): Promise<void> {
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  await waitFor(relays, (v) => v[0] === 1 && v[1] === 1, 'both relays on');
}

test('UV: pre-alarm at once, countdown, loads off only after the 30 s lead; charging stays on', async () => {
  const mark = lastSeq(r.gx);
  r.gx.board.setInput(1, 1); // ATD released: cell under-voltage
  await waitFor(
    () => r.gx.prealarmLevel(),
    (v) => v === 1,
    'pre-alarm GPIO on',
  );
  expect(await r.value('/Bms/State')).toBe(2);
  expect(await r.value('/Alarms/LowCellVoltage')).toBe(1);
  expect(r.gx.board.readRelay(1)).toBe(1); // loads still on during the lead
  const first = await waitValue(r, '/Bms/Countdown/LoadDisconnect', (v) => typeof v === 'number');
  const later = await waitValue(
    r,
    '/Bms/Countdown/LoadDisconnect',
    (v) => typeof v === 'number' && v < Number(first),
    'countdown counting down',
  );
  expect(Number(later)).toBeGreaterThanOrEqual(0);
  expect(Number(first)).toBeLessThanOrEqual(30);

  await waitValue(r, '/Bms/State', (v) => v === 3, 'LOADS_OFF_UV');
  await waitFor(
    () => r.gx.board.readRelay(1),
    (v) => v === 0,
    'load relay off',
  );
  expect(await r.value('/Alarms/LowCellVoltage')).toBe(2);
  expect(await r.value('/Bms/Countdown/LoadDisconnect')).toBeUndefined();
  expect(await r.value('/Io/AllowToDischarge')).toBe(0);
  // Charging is the way back: never blocked by UV.
  expect(r.gx.board.readRelay(2)).toBe(1);
  expect(await r.value('/Bms/Outputs/Charge')).toBe(1);
  // "pre-alarm after disconnect" is off by default: the pre-alarm output releases.
  await waitFor(
    () => r.gx.prealarmLevel(),
    (v) => v === 0,
    'pre-alarm GPIO off',
  );

  const preOn = await waitEvent(r.gx, isOutput('preAlarm', true), 'pre-alarm on event', mark);
  const loadOff = await waitEvent(r.gx, isOutput('load', false), 'load off event', mark);
  expect(loadOff.t - preOn.t).toBeGreaterThanOrEqual(30000);
  expect(loadOff.seq).toBeGreaterThan(preOn.seq);
  const events = readEvents(r.gx).filter((e) => e.seq > mark);
  expect(events.some((e) => e.kind === 'output' && e.name === 'charge')).toBe(false);
  const alarms = events.filter((e) => e.kind === 'alarm' && e.name === 'lowCellVoltage');
  expect(alarms.map((e) => e.to)).toEqual([1, 2]);
});

test('ATD recovery after the minimum off time: loads back on, NORMAL', async () => {
  const mark = lastSeq(r.gx);
  // Still in LOADS_OFF_UV from the previous test; assert ATD at once.
  r.gx.board.setInput(1, 0);
  await backToNormal();
  expect(await r.value('/Alarms/LowCellVoltage')).toBe(0);
  const loadOn = await waitEvent(r.gx, isOutput('load', true), 'load on event', mark);
  const loadOff = readEvents(r.gx)
    .filter((e) => e.seq < loadOn.seq && isOutput('load', false)(e))
    .pop();
  expect(loadOff).toBeDefined();
  expect(loadOn.t - (loadOff?.t ?? 0)).toBeGreaterThanOrEqual(10000);
  await waitEvent(r.gx, isState('NORMAL'), 'NORMAL event', mark);
});

test('charge disconnect (ATC released) and recovery; loads untouched', async () => {
  const mark = lastSeq(r.gx);
  r.gx.board.setInput(2, 1);
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 0,
    'charge relay off',
  );
  expect(await r.value('/Io/AllowToCharge')).toBe(0);
  expect(await r.value('/Bms/Lines/ChargeAllowed')).toBe(0);
  expect(await r.value('/Bms/State')).toBe(1);
  expect(r.gx.board.readRelay(1)).toBe(1);

  r.gx.board.setInput(2, 0);
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 1,
    'charge relay back on',
  );
  expect(await r.value('/Io/AllowToCharge')).toBe(1);
  const off = await waitEvent(r.gx, isOutput('charge', false), 'charge off', mark);
  const on = await waitEvent(r.gx, isOutput('charge', true), 'charge on', mark);
  expect(on.t - off.t).toBeGreaterThanOrEqual(10000);
  expect(
    readEvents(r.gx).some((e) => e.seq > mark && e.kind === 'output' && e.name === 'load'),
  ).toBe(false);
});

test('charging is never blocked by UV: ATC cycles while loads are off for UV', async () => {
  r.gx.board.setInput(1, 1);
  await waitValue(r, '/Bms/State', (v) => v === 3, 'LOADS_OFF_UV');
  r.gx.board.setInput(2, 1);
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 0,
    'charge relay off (ATC)',
  );
  r.gx.board.setInput(2, 0);
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 1,
    'charge relay on in LOADS_OFF_UV',
  );
  expect(await r.value('/Bms/State')).toBe(3);
  expect(r.gx.board.readRelay(1)).toBe(0);
  r.gx.board.setInput(1, 0);
  await backToNormal();
});

test('hardware remote off (input 4) and on', async () => {
  r.gx.board.setInput(4, 1);
  await waitValue(r, '/Bms/State', (v) => v === 5, 'REMOTE_OFF');
  await waitFor(relays, (v) => v[0] === 0 && v[1] === 0, 'both relays off');
  expect(await r.value('/State')).toBe(14);
  expect(r.gx.prealarmLevel()).toBe(0);
  r.gx.board.setInput(4, 0);
  await backToNormal();
  expect(await r.value('/State')).toBe(9);
});

test('/Mode 252 (standby) and 3 (on) over D-Bus; 4 is refused with no change', async () => {
  expect(await r.setValue('/Mode', 252)).toBe(0);
  await waitValue(r, '/Bms/State', (v) => v === 5, 'REMOTE_OFF');
  await waitFor(relays, (v) => v[0] === 0 && v[1] === 0, 'both relays off');
  expect(await r.value('/State')).toBe(14);
  expect(await r.value('/Mode')).toBe(252);

  expect(await r.setValue('/Mode', 4)).not.toBe(0);
  expect(await r.value('/Mode')).toBe(252);
  expect(await r.value('/Bms/State')).toBe(5);

  expect(await r.setValue('/Mode', 3)).toBe(0);
  await backToNormal();
  expect(await r.value('/Mode')).toBe(3);
});

test('relay function changed away from manual: not driven, visible error; manual again: re-driven', async () => {
  // Relay 1 (systemcalc /Relay/0) is the load relay; its function is /Settings/Relay/Function.
  const bus = r.bus;
  if (!bus) throw new Error('no D-Bus');
  expect(await setRemote(bus, SETTINGS, '/Settings/Relay/Function', 0)).toBe(0);
  await waitValue(r, '/Alarms/InternalFailure', (v) => v === 2, 'InternalFailure alarm');
  const notes = String(await r.value('/Bms/Notes'));
  expect(notes).toMatch(/relay 1 function is 'alarm'/);

  // The engine turns loads off (remote off); relay 1 is not ours now: it stays as it was.
  r.gx.board.setInput(4, 1);
  await waitValue(r, '/Bms/State', (v) => v === 5, 'REMOTE_OFF');
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 0,
    'charge relay off',
  );
  expect(r.gx.board.readRelay(1)).toBe(1);
  expect(r.gx.systemcalc?.relayState(0)).toBe(1);

  expect(await setRemote(bus, SETTINGS, '/Settings/Relay/Function', 2)).toBe(0);
  await waitFor(
    () => r.gx.board.readRelay(1),
    (v) => v === 0,
    'load relay re-driven off',
  );
  await waitValue(r, '/Alarms/InternalFailure', (v) => v === 0, 'InternalFailure cleared');
  expect(String(await r.value('/Bms/Notes'))).not.toMatch(/relay 1/);

  r.gx.board.setInput(4, 0);
  await backToNormal();
});

test('dry run drives nothing; test-output works only in dry run', async () => {
  // The relay-test paths are valid whenever the service runs (the console shows its rows).
  expect(await r.value('/Bms/TestOutput/Load')).toBe(0);
  expect(await r.value('/Bms/TestOutput/Available')).toBe(0);
  // Outside dry run the CLI is refused with the service's reason, and nothing moves.
  const refused = await cli(r.gx.address, ['test-output', 'load', 'off']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe(`${TEST_REFUSED}\n`);
  expect(await r.value('/Bms/TestOutput/Result')).toBe(TEST_REFUSED);
  expect(relays()).toEqual([1, 1]);
  // Each test-output is an event, refused or not.
  const refusedEvent = await waitEvent(r.gx, isControl('test-output load', false), 'refused');
  expect(refusedEvent.reason).toMatch(/^D-Bus \/Bms\/TestOutput: not driven \(.*only in dry run/);
  // …and it reads as refused, not as done.
  const refusedWords = await cli(r.gx.address, ['events', '--config', r.gx.configFile, '-n', '1']);
  expect(refusedWords.stdout).toMatch(
    / Relay test refused: load output was not forced OFF \(relay tests work only in dry run\)$/m,
  );

  // `smallbms dry-run` reads and sets /Bms/DryRun over D-Bus, as the console does.
  const shown = await cli(r.gx.address, ['dry-run']);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toMatch(/^dry run off/);
  const on = await cli(r.gx.address, ['dry-run', 'on']);
  expect(on.code).toBe(0);
  expect(on.stdout).toMatch(/^dry run on/);
  expect(await r.value('/Bms/DryRun')).toBe(1);
  expect((await cli(r.gx.address, ['dry-run', 'maybe'])).code).toBe(2);
  expect(await r.value('/Bms/DryRun')).toBe(1);
  // Switching dry run is an event, with who did it; /Bms/Notes and `status` say it.
  const dryOn = await waitEvent(r.gx, isControl('dryRun', true), 'dry run on event');
  expect(dryOn).toMatchObject({
    from: false,
    reason: expect.stringMatching(/D-Bus \/Bms\/DryRun/),
  });
  await waitValue(r, '/Bms/Notes', (v) => String(v).includes(DRY_NOTE), 'dry-run note');
  expect(String(await r.value('/Bms/Notes'))).toContain(
    '(set in the console, with smallbms dry-run or over MQTT)',
  );
  const status = await cli(r.gx.address, ['status']);
  expect(status.stdout).toMatch(/^notes {6}dry run: outputs are not driven, protection is off/m);
  // Lines in words, as everywhere people read them (a trial saw "dischargeAllowed asserted").
  expect(status.stdout).toMatch(
    /^lines {6}allowed-to-discharge asserted · allowed-to-charge asserted · pre-alarm released/m,
  );
  expect(status.stdout).toMatch(
    /^last event \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+00:00 Dry run on: set in the console, with smallbms dry-run or over MQTT$/m,
  );
  const events = await cli(r.gx.address, ['events', '--config', r.gx.configFile, '-n', '1']);
  expect(events.stdout).toMatch(
    / Dry run on: set in the console, with smallbms dry-run or over MQTT$/m,
  );
  expect(await r.value('/Bms/TestOutput/Available')).toBe(1);
  const mark = lastSeq(r.gx);
  // Sample every target file all along the PRE_ALARM → LOADS_OFF_UV cycle.
  const samples = new Set<string>();
  const sampler = setInterval(
    () => samples.add(JSON.stringify([...relays(), r.gx.prealarmLevel()])),
    10,
  );
  r.gx.board.setInput(1, 1);
  try {
    await waitValue(r, '/Bms/Outputs/PreAlarm', (v) => v === 1, 'pre-alarm output (dry run)');
    await waitValue(r, '/Bms/State', (v) => v === 3, 'LOADS_OFF_UV (dry run)');
  } finally {
    clearInterval(sampler);
  }
  // The engine went PRE_ALARM → LOADS_OFF_UV, but no target moved.
  expect([...samples]).toEqual([JSON.stringify([1, 1, 0])]);
  await waitEvent(r.gx, isOutput('load', false), 'load off event (dry run)', mark);
  expect(await r.value('/Bms/Outputs/Load')).toBe(0);
  // What the relay has, beside what the engine wants, in words (console, status, MQTT).
  await waitValue(
    r,
    '/Bms/Actual/LoadText',
    (v) => v === 'load: engine wants OFF, relay 1 is ON (dry run: not driven)',
    'load: actual beside the wish',
  );
  expect(await r.value('/Bms/Actual/Load')).toBe(1);
  const dryStatus = await cli(r.gx.address, ['status']);
  expect(dryStatus.stdout).toMatch(
    /^actual {5}load: engine wants OFF, relay 1 is ON \(dry run: not driven\)$/m,
  );

  const ok = await cli(r.gx.address, ['test-output', 'charge', 'off']);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/^Charge output: test, forced OFF \(relay 2 OFF\)/);
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 0,
    'charge relay off by test-output',
  );
  expect(r.gx.board.readRelay(1)).toBe(1);
  const tested = await waitEvent(r.gx, isControl('test-output charge', false), 'test-output');
  expect(tested.reason).toMatch(/^D-Bus \/Bms\/TestOutput: driven \(relay 2/);
  expect(await r.value('/Bms/TestOutput/Charge')).toBe(2);
  await waitValue(
    r,
    '/Bms/Actual/ChargeText',
    (v) => v === 'charge: engine wants ON, relay 2 is OFF (relay test)',
    'charge: relay test shown',
  );
  const json = JSON.parse((await cli(r.gx.address, ['status', '--json'])).stdout) as {
    actual: Record<string, boolean | null>;
    tests: Record<string, string | null>;
  };
  expect(json.actual).toMatchObject({ load: true, charge: false });
  expect(json.tests).toMatchObject({ load: null, charge: 'off' });
  const testing = await cli(r.gx.address, ['status']);
  expect(testing.stdout).toMatch(/^relay test charge forced OFF$/m);

  // Stop: the output goes back to what the engine wants (charge allowed), not left off.
  const stop = await cli(r.gx.address, ['test-output', 'charge', 'stop']);
  expect(stop.code).toBe(0);
  expect(stop.stdout).toMatch(
    /^Charge output: test ended, back to the engine's level \(relay 2 ON\)/,
  );
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 1,
    'charge relay back on',
  );
  expect(await r.value('/Bms/TestOutput/Charge')).toBe(0);
  await waitValue(r, '/Bms/Actual/ChargeText', (v) => v === '', 'charge agrees again');
  // A second stop: no test runs, and the CLI says so (not the last result, of any output).
  const again = await cli(r.gx.address, ['test-output', 'charge', 'stop']);
  expect(again.code).toBe(0);
  expect(again.stdout).toBe('Charge output: no relay test was running, nothing to stop\n');

  // Dry run off: the targets follow the engine again (load off for UV, charge allowed).
  const off = await cli(r.gx.address, ['dry-run', 'off']);
  expect(off.code).toBe(0);
  expect(off.stdout).toMatch(/^dry run off/);
  expect(await r.value('/Bms/DryRun')).toBe(0);
  await waitFor(relays, (v) => v[0] === 0 && v[1] === 1, 'targets follow the engine');
  await waitEvent(r.gx, isControl('dryRun', false), 'dry run off event', dryOn.seq);
  expect(String(await r.value('/Bms/Notes'))).not.toContain(DRY_NOTE);
  r.gx.board.setInput(1, 0);
  await backToNormal();
});

test('dry run across restarts: the live switch persists until the config is edited', async () => {
  const setConfigDryRun = (on: boolean): void => {
    const c = JSON.parse(fs.readFileSync(r.gx.configFile, 'utf8')) as Record<string, unknown>;
    c.dryRun = on;
    fs.writeFileSync(r.gx.configFile, JSON.stringify(c, null, 2));
  };
  const dryRun = (): Promise<unknown> => r.value('/Bms/DryRun');
  try {
    // Config false; switched on live: kept over a restart, with a warning in the log.
    expect((await cli(r.gx.address, ['dry-run', 'on'])).code).toBe(0);
    await r.restart();
    expect(await dryRun()).toBe(1);
    await waitValue(r, '/Bms/Notes', (v) =>
      String(v).includes('set in the console, with smallbms dry-run or over MQTT'),
    );
    const warns = (): string[] =>
      r
        .log()
        .split('\n')
        .filter((l) => l.includes('"level":40') && l.includes(DRY_NOTE));
    expect(warns().length).toBeGreaterThanOrEqual(1);

    // Commissioning config: dryRun true (an edit, though the live value is the same).
    setConfigDryRun(true);
    await r.restart();
    expect(await dryRun()).toBe(1);
    await waitValue(r, '/Bms/Notes', (v) => String(v).includes('set by the config'));
    expect(r.log()).toMatch(/"level":40[^\n]*config: dryRun true: no target is driven/);

    // Switched off live; the config (still true, not edited) does not switch it back.
    expect((await cli(r.gx.address, ['dry-run', 'off'])).code).toBe(0);
    await r.restart();
    expect(await dryRun()).toBe(0);

    // On again live, then the user sets "dryRun": false: the edited config wins.
    expect((await cli(r.gx.address, ['dry-run', 'on'])).code).toBe(0);
    const mark = lastSeq(r.gx);
    setConfigDryRun(false);
    await r.restart();
    expect(await dryRun()).toBe(0);
    const e = await waitEvent(r.gx, isControl('dryRun', false), 'dry run off by the config', mark);
    expect(e.reason).toBe('set by the config (dryRun) (edited)');
    expect(String(await r.value('/Bms/Notes'))).not.toContain(DRY_NOTE);
  } finally {
    setConfigDryRun(false);
  }
  await backToNormal();
});

test('`smallbms status | head -2` ends quietly (no EPIPE stack trace)', async () => {
  // Not spawnSync: the simulated GX's stand-ins live in this process and must keep answering.
  const child = spawn(
    'bash',
    ['-c', '"$NODE" "$BUNDLE" status | head -2; echo "rc=${PIPESTATUS[0]}" >&2'],
    {
      env: {
        ...process.env,
        NODE: serviceNode(),
        BUNDLE: ensureBundle(),
        DBUS_SYSTEM_BUS_ADDRESS: r.gx.address ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  expect(stdout.split('\n')[0]).toMatch(/^com\.victronenergy\.battery\.smallbms /);
  expect(stdout.split('\n').length).toBe(3);
  expect(stderr).toBe('rc=0\n');
});

test('/Mode written as a bare int32 (dbus-send style) and standby survives a restart', async () => {
  const bus = r.bus;
  if (!bus) throw new Error('no D-Bus');
  // No variant: the argument itself is an int32, as `dbus-send ... int32:252` sends it.
  const [code] = await bus.call({
    destination: 'com.victronenergy.battery.smallbms',
    path: '/Mode',
    interface: 'com.victronenergy.BusItem',
    member: 'SetValue',
    signature: 'i',
    body: [252],
  });
  expect(Number(code)).toBe(0);
  await waitValue(r, '/Bms/State', (v) => v === 5, 'REMOTE_OFF');
  await waitFor(relays, (v) => v[0] === 0 && v[1] === 0, 'both relays off');
  expect(String(await r.value('/Bms/LastEvent'))).toMatch(
    /standby set in the console, VRM or MQTT$/,
  );

  // Restart: the user's standby must hold; the relays never come on meanwhile.
  const seen = new Set<string>();
  const sampler = setInterval(() => seen.add(JSON.stringify(relays())), 5);
  try {
    await r.restart(['--sim-speed', String(SPEED)]);
    await waitValue(r, '/Bms/State', (v) => v === 5, 'REMOTE_OFF after restart');
    expect(await r.value('/Mode')).toBe(252);
  } finally {
    clearInterval(sampler);
  }
  expect([...seen]).toEqual([JSON.stringify([0, 0])]);

  expect(await r.setValue('/Mode', 3)).toBe(0);
  await backToNormal();
});

test('event times follow the GX time zone setting live (console, status, events)', async () => {
  const bus = r.bus;
  if (!bus) throw new Error('no bus');
  const zone = '/Settings/System/TimeZone';
  // The stand-in carries the setting as a GX does: UTC until someone picks a zone.
  expect(await getRemote(bus, SETTINGS, zone)).toBe('/UTC');
  await waitValue(r, '/Bms/LastEvent', (v) => / \+00:00 /.test(String(v)), 'UTC');
  try {
    expect(await setRemote(bus, SETTINGS, zone, 'America/St_Johns')).toBe(0);
    // Half an hour off UTC, -03:30 (NST) or -02:30 (NDT) by the date of the event.
    await waitValue(r, '/Bms/LastEvent', (v) => / -0[23]:30 /.test(String(v)), 'St Johns');
    const status = await cli(r.gx.address, ['status']);
    expect(status.stdout).toMatch(/^last event \d{4}-\d\d-\d\d \d\d:\d\d:\d\d -0[23]:30 /m);
    const events = await cli(r.gx.address, ['events', '--config', r.gx.configFile, '-n', '1']);
    expect(events.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d -0[23]:30 /);
    // The stored record keeps its UTC wall time.
    const last = readEvents(r.gx).at(-1) as HistoryEvent;
    expect(last.wallTime).toMatch(/Z$/);
  } finally {
    await setRemote(bus, SETTINGS, zone, '/UTC');
  }
  await waitValue(r, '/Bms/LastEvent', (v) => / \+00:00 /.test(String(v)), 'UTC again');
});
