/**
 * Acceptance of "The running service", protection by the BMS lines: the real `smallbms run`
 * on a simulated GX (private D-Bus, systemcalc and localsettings stand-ins, sysfs-like board),
 * in accelerated time. Relay files are what systemcalc wrote; times are checked in the event
 * history (simulation ms), never with wall-clock windows.
 */
import {
  SETTINGS,
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
  // Outside dry run the CLI is refused and nothing moves.
  const refused = await cli(r.gx.address, ['test-output', 'load', 'off']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/dry run/);
  expect(relays()).toEqual([1, 1]);

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

  const ok = await cli(r.gx.address, ['test-output', 'charge', 'off']);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/charge driven off/);
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 0,
    'charge relay off by test-output',
  );
  expect(r.gx.board.readRelay(1)).toBe(1);

  // Dry run off: the targets follow the engine again (load off for UV, charge allowed).
  const off = await cli(r.gx.address, ['dry-run', 'off']);
  expect(off.code).toBe(0);
  expect(off.stdout).toMatch(/^dry run off/);
  expect(await r.value('/Bms/DryRun')).toBe(0);
  await waitFor(relays, (v) => v[0] === 0 && v[1] === 1, 'targets follow the engine');
  r.gx.board.setInput(1, 0);
  await backToNormal();
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
  expect(String(await r.value('/Bms/LastEvent'))).toMatch(/REMOTE_OFF|off/);

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
