/**
 * Acceptance of "The running service", broken lines and missing measurements: a value file
 * removed or unreadable, a D-Bus line source whose service leaves, and the battery monitor
 * going away. ATC comes from another service's D-Bus path (a BMS seen over D-Bus) here.
 */
import { DummyService } from '../../service/src/sim/dummy-service';
import {
  SETTINGS,
  isState,
  lastSeq,
  scaledLines,
  setRemote,
  sleep,
  shutdown,
  startService,
  waitEvent,
  waitFor,
  waitValue,
  type Running,
} from './harness';

const SPEED = 20;
const BMS = 'com.victronenergy.battery.lynxbms';
let r: Running;
let bms: DummyService;

function newBms(address: string): DummyService {
  return new DummyService({
    address,
    name: BMS,
    paths: { '/Io/AllowToCharge': { type: 'i', value: 1 } },
  });
}

beforeAll(async () => {
  const scale = scaledLines(SPEED);
  r = await startService({
    args: ['--sim-speed', String(SPEED)],
    editConfig: (config) => {
      const lines = config.lines as Record<string, unknown>;
      lines.chargeAllowed = {
        source: { type: 'dbus', service: BMS, path: '/Io/AllowToCharge', op: '==', value: 1 },
      };
      scale(config);
    },
  });
  const address = r.gx.address;
  if (!address) throw new Error('no D-Bus');
  bms = newBms(address);
  await bms.start();
  await normal();
});
afterAll(async () => {
  await bms?.stop().catch(() => undefined);
  await shutdown(r);
});

const relays = (): [number | null, number | null] => [
  r.gx.board.readRelay(1),
  r.gx.board.readRelay(2),
];

async function normal(): Promise<void> {
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  await waitFor(relays, (v) => v[0] === 1 && v[1] === 1, 'both relays on');
  expect(await r.value('/Alarms/BmsCable')).toBe(0);
}

async function expectFault(line: string): Promise<void> {
  await waitValue(r, '/Bms/State', (v) => v === 6, 'FAULT');
  await waitFor(relays, (v) => v[0] === 0 && v[1] === 0, 'both relays off');
  expect(await r.value('/Alarms/BmsCable')).toBe(2);
  expect(await r.value('/State')).toBe(10);
  expect(await r.value(`/Bms/Lines/${line}`)).toBeUndefined(); // invalid while unhealthy
  // [choice] the pre-alarm output is on in FAULT.
  await waitFor(
    () => r.gx.prealarmLevel(),
    (v) => v === 1,
    'pre-alarm GPIO on in FAULT',
  );
}

test('the ATD value file removed: FAULT, cable alarm, outputs off; back when restored', async () => {
  const mark = lastSeq(r.gx);
  r.gx.board.removeInput(1);
  await expectFault('DischargeAllowed');
  expect(String(await r.value('/Bms/Notes'))).toMatch(/digital_input_1/);
  r.gx.board.restoreInput(1, 0);
  await normal();
  await waitEvent(r.gx, isState('FAULT'), 'FAULT event', mark);
  await waitEvent(r.gx, isState('NORMAL'), 'NORMAL event', mark);
});

test('the ATD value file unreadable: FAULT; back when readable', async () => {
  r.gx.board.makeUnreadable(1);
  await expectFault('DischargeAllowed');
  r.gx.board.restoreInput(1, 0);
  await normal();
});

test('garbage in a value file is a broken line too', async () => {
  r.gx.board.writeInputRaw(4, 'x\n');
  await expectFault('Remote');
  r.gx.board.setInput(4, 0);
  await normal();
});

test('a D-Bus line source whose service disappears: FAULT; back when it returns', async () => {
  const address = r.gx.address;
  if (!address) throw new Error('no D-Bus');
  expect(await r.value('/Bms/Lines/ChargeAllowed')).toBe(1);
  // The BMS says "not allowed": routine charge disconnect, no fault.
  bms.set('/Io/AllowToCharge', 0);
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 0,
    'charge relay off',
  );
  expect(await r.value('/Bms/State')).toBe(1);
  bms.set('/Io/AllowToCharge', 1);
  await waitFor(
    () => r.gx.board.readRelay(2),
    (v) => v === 1,
    'charge relay on',
  );

  await bms.stop();
  await expectFault('ChargeAllowed');
  expect(String(await r.value('/Bms/Notes'))).toMatch(/lynxbms/);
  bms = newBms(address);
  await bms.start();
  await normal();
});

test('battery monitor gone: SoC missing note, floor logic paused, protection goes on; back when it returns', async () => {
  const battery = r.gx.battery;
  if (!battery) throw new Error('no battery stand-in');
  expect(await r.value('/Soc')).toBe(80);
  // A short shutdown delay (30 s, the minimum) so that "it never expires" is visible.
  const bus = r.bus;
  if (!bus) throw new Error('no D-Bus');
  const delay = '/Settings/SmallBms/Default/LowSocShutdownDelay';
  expect(await setRemote(bus, SETTINGS, delay, 30)).toBe(0);
  // At the floor, the shutdown countdown runs...
  battery.reading({ soc: 9 });
  await waitValue(r, '/Bms/Countdown/LowSocShutdown', (v) => typeof v === 'number', 'countdown');
  // ...and stops when SoC is lost (rule 11): no shutdown on a value nobody confirms.
  await battery.stop();
  await waitValue(r, '/Soc', (v) => v === undefined, '/Soc invalid');
  await waitValue(r, '/Bms/Countdown/LowSocShutdown', (v) => v === undefined, 'countdown stopped');
  expect(String(await r.value('/Bms/Notes'))).toMatch(/SoC source missing/);
  await sleep((2 * 30000) / SPEED); // twice the delay in simulation time
  expect(await r.value('/Bms/State')).toBe(2); // the warning holds, the shutdown never comes
  expect(relays()).toEqual([1, 1]);
  expect(await setRemote(bus, SETTINGS, delay, 300)).toBe(0);
  // The lines still protect without SoC.
  r.gx.board.setInput(4, 1);
  await waitValue(r, '/Bms/State', (v) => v === 5, 'REMOTE_OFF without SoC');
  r.gx.board.setInput(4, 0);
  await waitValue(r, '/Bms/State', (v) => v === 2, 'PRE_ALARM (the held warning)');
  await waitFor(relays, (v) => v[0] === 1 && v[1] === 1, 'both relays on');

  await battery.start();
  await waitValue(r, '/Soc', (v) => v === 80, '/Soc back');
  await normal();
  await waitValue(r, '/Bms/Notes', (v) => !/SoC source missing/.test(String(v)), 'note cleared');
  // The floor logic works again.
  battery.reading({ soc: 14 });
  await waitValue(r, '/Alarms/LowSoc', (v) => v === 1, 'low SoC warning');
  battery.reading({ soc: 80 });
  await waitValue(r, '/Alarms/LowSoc', (v) => v === 0, 'low SoC cleared');
  await normal();
});

describe('relay 1 not manual from the start (its default function is alarm)', () => {
  let g: Running | undefined;
  afterAll(() => shutdown(g));

  test('the load relay is never driven, the error is visible at once; charge works', async () => {
    g = await startService({
      relaysManual: false,
      args: ['--sim-speed', String(SPEED)],
      editConfig: scaledLines(SPEED),
    });
    const s = g;
    await waitValue(s, '/Bms/State', (v) => v === 1, 'NORMAL');
    await waitFor(
      () => s.gx.board.readRelay(2),
      (v) => v === 1,
      'charge relay on',
    );
    await waitValue(s, '/Alarms/InternalFailure', (v) => v === 2, 'InternalFailure alarm');
    expect(String(await s.value('/Bms/Notes'))).toMatch(/relay 1 function is 'alarm'/);
    expect(s.gx.board.readRelay(1)).toBe(0);
    expect(s.gx.systemcalc?.writes.filter((w) => w.path === '/Relay/0/State')).toEqual([]);
  });
});
