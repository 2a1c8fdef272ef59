/**
 * Acceptance of "A first-class Venus D-Bus service", service level: what another process on
 * the GX sees (NameOwnerChanged, one GetItems scan, tree GetValue), the CLI reading it like
 * any consumer, the persisted /CustomName, live tunables from localsettings, and silence on
 * the bus when nothing changes.
 */
import type { BusSignal } from '../../service/src/venus/bus';
import { plain } from '../../service/src/venus/values';
import {
  SERVICE,
  SETTINGS,
  cli,
  getRemote,
  isOutput,
  lastSeq,
  scaledLines,
  setRemote,
  shutdown,
  sleep,
  startService,
  waitEvent,
  waitFor,
  waitValue,
  type Running,
} from './harness';

const SPEED = 20;
const ARGS = ['--sim-speed', String(SPEED)];
const PREFIX = '/Settings/SmallBms/Default';
let r: Running;

beforeAll(async () => {
  r = await startService({ args: ARGS, editConfig: scaledLines(SPEED) });
  await normal();
});
afterAll(() => shutdown(r));

function bus(): NonNullable<Running['bus']> {
  if (!r.bus) throw new Error('no D-Bus');
  return r.bus;
}

async function normal(): Promise<void> {
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  await waitFor(
    () => [r.gx.board.readRelay(1), r.gx.board.readRelay(2)],
    (v) => v[0] === 1 && v[1] === 1,
    'both relays on',
  );
}

async function call(p: string, member: string): Promise<unknown> {
  const [v] = await bus().call({
    destination: SERVICE,
    path: p,
    interface: 'com.victronenergy.BusItem',
    member,
  });
  return v;
}

test('a consumer sees the name appear and finds every mandatory path in its one GetItems scan', async () => {
  const rule =
    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus'," +
    `member='NameOwnerChanged',arg0='${SERVICE}'`;
  await bus().addMatch(rule);
  // Scan at the very moment the name appears, as dbusmonitor does (and drops what it misses).
  // A holder: TypeScript does not see the assignment inside the callback.
  const got: { scan: Promise<unknown> | null } = { scan: null };
  const owners: string[] = [];
  const off = bus().onSignal((s: BusSignal) => {
    if (s.member !== 'NameOwnerChanged' || s.body[0] !== SERVICE) return;
    owners.push(String(s.body[2]));
    if (s.body[2] !== '' && got.scan === null) got.scan = call('/', 'GetItems');
  });
  try {
    await r.restart(ARGS);
    await waitFor(
      () => got.scan,
      (p) => p !== null,
      'NameOwnerChanged with a new owner',
    );
  } finally {
    off();
    await bus().removeMatch(rule);
  }
  expect(owners[0]).toBe(''); // the old process left first
  const items = (await got.scan) as Record<string, { Value: unknown; Text: unknown }>;
  const value = (p: string): unknown => plain(items[p]?.Value);
  for (const key of Object.keys(items)) expect(key.startsWith('/')).toBe(true);
  expect(typeof value('/DeviceInstance')).toBe('number');
  expect(value('/ProductId')).toBe(0xb0f1);
  expect(value('/ProductName')).toBe('smallBMS NG (GX)');
  expect(String(value('/Mgmt/Connection'))).not.toBe('');
  expect(value('/Mgmt/ProcessName')).toBe('dbus-smallbms');
  expect(value('/Connected')).toBe(1);
  for (const p of ['/FirmwareVersion', '/HardwareVersion', '/Serial', '/CustomName', '/Mode']) {
    expect(items).toHaveProperty([p]);
  }
  expect(plain(items['/Bms/State']?.Text)).toMatch(/^(STARTING|NORMAL)$/);
  await normal();
});

test('GetValue on / and on a tree node returns relative keys; GetText on a leaf', async () => {
  // The battery monitor's voltage is mirrored once it has been read, which may come after
  // NORMAL (the previous test restarted the service).
  await waitValue(r, '/Dc/0/Voltage', (v) => v === 13.1, 'the mirrored voltage');
  const root = plain(await call('/', 'GetValue')) as Record<string, unknown>;
  expect(root['Bms/State']).toBe(1);
  expect(root['Dc/0/Voltage']).toBe(13.1);
  expect(Object.keys(root).some((k) => k.startsWith('/'))).toBe(false);
  const node = plain(await call('/Bms', 'GetValue')) as Record<string, unknown>;
  expect(node.State).toBe(1);
  expect(node['Outputs/Load']).toBe(1);
  expect(Object.keys(node).every((k) => !k.startsWith('/') && !k.startsWith('Bms/'))).toBe(true);
  expect(plain(await call('/Bms/State', 'GetText'))).toBe('NORMAL');
});

test('smallbms status --json (the real CLI) prints the state', async () => {
  const res = await cli(r.gx.address, ['status', '--json']);
  expect(res.code).toBe(0);
  const s = JSON.parse(res.stdout) as Record<string, unknown>;
  expect(s).toMatchObject({
    service: SERVICE,
    state: 'NORMAL',
    stateCode: 1,
    outputs: { load: true, charge: true, preAlarm: false },
    mode: 'on',
    dryRun: false,
    soc: 80,
  });
  expect(typeof s.deviceInstance).toBe('number');
  const human = await cli(r.gx.address, ['status']);
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(/^state +Normal$/m);
});

test('/CustomName written over D-Bus is persisted in localsettings and survives a restart', async () => {
  expect(await r.setValue('/CustomName', 'Shed bank')).toBe(0);
  expect(await r.value('/CustomName')).toBe('Shed bank');
  await waitFor(
    () => r.gx.settings?.get(`${PREFIX}/CustomName`),
    (v) => v === 'Shed bank',
    'CustomName in localsettings',
  );
  await r.restart(ARGS);
  expect(await r.value('/CustomName')).toBe('Shed bank');
  // Changed in localsettings (the GX console's way): the service follows.
  expect(await setRemote(bus(), SETTINGS, `${PREFIX}/CustomName`, 'Boat house')).toBe(0);
  await waitValue(r, '/CustomName', (v) => v === 'Boat house', 'CustomName from localsettings');
  await normal();
});

test('dry run survives a restart', async () => {
  expect(await r.setValue('/Bms/DryRun', 1)).toBe(0);
  // In dry run nothing is driven, at a start either: the relays stay as they were.
  const seen = new Set<string>();
  const sample = (): void => {
    seen.add(JSON.stringify([r.gx.board.readRelay(1), r.gx.board.readRelay(2)]));
  };
  const sampler = setInterval(sample, 5);
  try {
    await r.restart(ARGS);
    await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL (dry run)');
    sample();
  } finally {
    clearInterval(sampler);
  }
  expect([...seen]).toEqual([JSON.stringify([1, 1])]);
  expect(await r.value('/Bms/DryRun')).toBe(1);
  expect(await r.setValue('/Bms/DryRun', 0)).toBe(0);
  await r.restart(ARGS);
  expect(await r.value('/Bms/DryRun')).toBe(0);
  await normal();
});

test('a tunable changed in localsettings reaches the engine; out of range is refused', async () => {
  const lead = `${PREFIX}/PreAlarmLead`;
  expect(await getRemote(bus(), SETTINGS, lead)).toBe(30);
  expect(await setRemote(bus(), SETTINGS, lead, 60)).toBe(0);
  expect(await setRemote(bus(), SETTINGS, lead, 10)).not.toBe(0);
  expect(await getRemote(bus(), SETTINGS, lead)).toBe(60);
  await waitFor(
    () => r.log(),
    (l) => l.includes('"preAlarmLeadS":60'),
    'the service took the new lead',
  );

  const mark = lastSeq(r.gx);
  r.gx.board.setInput(1, 1);
  const first = await waitValue(r, '/Bms/Countdown/LoadDisconnect', (v) => typeof v === 'number');
  expect(Number(first)).toBeGreaterThan(30);
  await waitValue(r, '/Bms/State', (v) => v === 3, 'LOADS_OFF_UV', 15000);
  const preOn = await waitEvent(r.gx, isOutput('preAlarm', true), 'pre-alarm on', mark);
  const loadOff = await waitEvent(r.gx, isOutput('load', false), 'load off', mark);
  expect(loadOff.t - preOn.t).toBeGreaterThanOrEqual(60000);
  expect(loadOff.reason).toMatch(/lead of 60 s/);
  r.gx.board.setInput(1, 0);
  await normal();
  expect(await setRemote(bus(), SETTINGS, lead, 30)).toBe(0);
});

test('no D-Bus traffic from the service when nothing changes', async () => {
  await normal();
  const [owner] = await bus().call({
    destination: 'org.freedesktop.DBus',
    path: '/org/freedesktop/DBus',
    interface: 'org.freedesktop.DBus',
    member: 'GetNameOwner',
    signature: 's',
    body: [SERVICE],
  });
  const rule = `type='signal',sender='${String(owner)}'`;
  await bus().addMatch(rule);
  const seen: string[] = [];
  const off = bus().onSignal((s) => {
    if (s.sender === owner) seen.push(`${s.path} ${s.member}`);
  });
  try {
    await sleep(300); // let anything from the previous test drain
    seen.length = 0;
    await sleep(2000); // 40 s of simulation time
    expect(seen).toEqual([]);
    // The listener does hear the service: a real change is signalled.
    r.gx.battery?.reading({ soc: 79 });
    await waitFor(
      () => seen,
      (l) => l.includes('/ ItemsChanged'),
      'ItemsChanged after a change',
    );
  } finally {
    off();
    await bus().removeMatch(rule);
    r.gx.battery?.reading({ soc: 80 });
  }
});
