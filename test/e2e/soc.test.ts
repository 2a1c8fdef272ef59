/**
 * Acceptance of "The running service", the discharge floor: low-SoC warning and alarm from
 * the battery monitor stand-in, the 5-minute shutdown cancelled by detected charge, loads off
 * at the floor, back at floor + hysteresis, and the latch surviving a restart (rule 10).
 */
import {
  isOutput,
  isState,
  lastSeq,
  readEvents,
  scaledLines,
  shutdown,
  startService,
  waitEvent,
  waitFor,
  waitValue,
  type Running,
} from './harness';

const SPEED = 50;
const ARGS = ['--sim-speed', String(SPEED)];
let r: Running;

beforeAll(async () => {
  r = await startService({ args: ARGS, editConfig: scaledLines(SPEED) });
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  await waitFor(
    () => r.gx.board.readRelay(1),
    (v) => v === 1,
    'load relay on',
  );
});
afterAll(() => shutdown(r));

function battery(): NonNullable<Running['gx']['battery']> {
  const b = r.gx.battery;
  if (!b) throw new Error('no battery stand-in');
  return b;
}

const countdown = (): Promise<unknown> => r.value('/Bms/Countdown/LowSocShutdown');

test('warning at 15 %, alarm and shutdown countdown at 10 %, reset by detected charge', async () => {
  battery().reading({ soc: 15 });
  await waitValue(r, '/Alarms/LowSoc', (v) => v === 1, 'low SoC warning');
  expect(await r.value('/Bms/State')).toBe(2);
  await waitFor(
    () => r.gx.prealarmLevel(),
    (v) => v === 1,
    'pre-alarm GPIO on',
  );
  expect(await countdown()).toBeUndefined();

  battery().reading({ soc: 10 });
  await waitValue(r, '/Alarms/LowSoc', (v) => v === 2, 'low SoC alarm');
  const first = Number(
    await waitFor(countdown, (v) => typeof v === 'number', 'shutdown countdown'),
  );
  expect(first).toBeLessThanOrEqual(300);
  const ran = Number(
    await waitFor(countdown, (v) => typeof v === 'number' && v < 250, 'countdown below 250 s'),
  );
  expect(r.gx.board.readRelay(1)).toBe(1);

  // A charge current ≥ 1 A held 10 s stops the countdown...
  battery().reading({ current: 5 });
  await waitValue(r, '/Bms/ChargeDetected', (v) => v === 1, 'charge detected');
  await waitFor(countdown, (v) => v === undefined, 'countdown stopped');
  // ...and resets it: discharging again starts from the full delay.
  battery().reading({ current: -5 });
  await waitValue(r, '/Bms/ChargeDetected', (v) => v === 0, 'charge no longer detected');
  const restarted = Number(await waitFor(countdown, (v) => typeof v === 'number', 'countdown'));
  expect(restarted).toBeGreaterThan(ran);
  expect(restarted).toBeGreaterThan(280);
});

test('without charge the loads go off after 300 s (LOADS_OFF_SOC); charging stays allowed', async () => {
  const mark = lastSeq(r.gx);
  await waitValue(r, '/Bms/State', (v) => v === 4, 'LOADS_OFF_SOC', 15000);
  await waitFor(
    () => r.gx.board.readRelay(1),
    (v) => v === 0,
    'load relay off',
  );
  expect(r.gx.board.readRelay(2)).toBe(1);
  expect(await countdown()).toBeUndefined();
  const off = await waitEvent(r.gx, isOutput('load', false), 'load off event', mark);
  expect(off.reason).toMatch(/shutdown delay of 300 s elapsed/);
  const alarm = readEvents(r.gx).find(
    (e) => e.kind === 'alarm' && e.name === 'lowSoc' && e.to === 2,
  );
  expect(alarm).toBeDefined();
  expect(off.t - (alarm?.t ?? Infinity)).toBeGreaterThanOrEqual(300000);
});

test('a restart at 11 % keeps the loads off (latch persisted, rule 10)', async () => {
  battery().reading({ soc: 11 });
  await waitValue(r, '/Soc', (v) => v === 11, 'SoC 11');
  expect(await r.value('/Bms/State')).toBe(4);
  const mark = lastSeq(r.gx);
  const seen = new Set<number | null>();
  const sampler = setInterval(() => seen.add(r.gx.board.readRelay(1)), 5);
  try {
    await r.restart(ARGS);
    await waitValue(r, '/Bms/State', (v) => typeof v === 'number' && v !== 0, 'decided state');
    expect(await r.value('/Bms/State')).toBe(4);
    expect(await r.value('/Bms/Outputs/Load')).toBe(0);
  } finally {
    clearInterval(sampler);
  }
  expect([...seen]).toEqual([0]);
  expect(r.gx.board.readRelay(2)).toBe(1);
  expect(readEvents(r.gx).some((e) => e.seq > mark && isOutput('load', true)(e))).toBe(false);
});

test('loads come back at 13 % (floor + hysteresis); NORMAL above the warning band', async () => {
  const mark = lastSeq(r.gx);
  battery().reading({ soc: 12 });
  await waitValue(r, '/Soc', (v) => v === 12, 'SoC 12');
  expect(await r.value('/Bms/State')).toBe(4);
  battery().reading({ soc: 13 });
  await waitFor(
    () => r.gx.board.readRelay(1),
    (v) => v === 1,
    'load relay on at 13 %',
  );
  // 13 % is still within the warning band (floor 10 + margin 5).
  expect(await r.value('/Bms/State')).toBe(2);
  await waitEvent(r.gx, isOutput('load', true), 'load on event', mark);
  const left = await waitEvent(r.gx, isState('PRE_ALARM'), 'LOADS_OFF_SOC left', mark);
  expect(left.from).toBe('LOADS_OFF_SOC');
  battery().reading({ soc: 20 });
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  await waitValue(r, '/Alarms/LowSoc', (v) => v === 0, 'low SoC cleared');
  await waitEvent(r.gx, isState('NORMAL'), 'NORMAL event', mark);
});
