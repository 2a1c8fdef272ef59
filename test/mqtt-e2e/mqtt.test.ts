/**
 * Acceptance of "MQTT: state, events, commands and Home Assistant" end to end: an embedded
 * aedes broker in this process (test/mqtt/helpers.ts) and the REAL `smallbms run` child
 * process on a simulated GX with a private dbus-daemon (test/e2e/harness.ts).
 *
 * One service for the whole file (start-up is the expensive part); the tests run in order and
 * each leaves the battery system NORMAL for the next. The last-will test kills the service and
 * runs last.
 */
import type { MqttClient } from 'mqtt';
import { setRemote, shutdown, startService, waitValue, type Running } from '../e2e/harness';
import {
  client,
  closeClient,
  recorder,
  sleep,
  startBroker,
  waitFor,
  type Received,
  type TestBroker,
} from '../mqtt/helpers';

// SMALLBMS_PORTAL_ID=simgx is set by SimGx.spawnService; the sim config's prefix is the default.
const PREFIX = 'smallbms/simgx';
const T = {
  availability: `${PREFIX}/availability`,
  state: `${PREFIX}/state`,
  event: `${PREFIX}/event`,
  set: `${PREFIX}/set`,
  result: `${PREFIX}/set/result`,
};
const NODE = 'smallbms_simgx_default';

interface StateJson {
  state: string;
  stateCode: number;
  mode: string;
  outputs: { load: boolean; charge: boolean; preAlarm: boolean };
  lines: Record<string, string>;
  soc: number | null;
}

let broker: TestBroker;
let r: Running;
const clients: MqttClient[] = [];

async function subscriber(filter: string | string[]): Promise<Received[]> {
  const c = await client(broker.port);
  clients.push(c);
  return recorder(c, filter);
}

async function publisher(): Promise<MqttClient> {
  const c = await client(broker.port);
  clients.push(c);
  return c;
}

async function closeClients(): Promise<void> {
  for (const c of clients.splice(0)) await closeClient(c).catch(() => undefined);
}

const states = (got: Received[]): StateJson[] =>
  got.filter((m) => m.topic === T.state).map((m) => JSON.parse(m.payload) as StateJson);

const lastState = (got: Received[]): StateJson | undefined => states(got).at(-1);

/** Waits for a state message (retained or live) matching `ok`, after the first `since`. */
async function waitState(
  got: Received[],
  ok: (s: StateJson) => boolean,
  what: string,
  since = 0,
  timeoutMs = 5000,
): Promise<StateJson> {
  const after = (): StateJson[] => states(got).slice(since);
  await waitFor(() => after().some(ok), timeoutMs, what);
  return after().filter(ok).at(-1) as StateJson;
}

/** Resolves once no message has arrived in `got` for `ms`. */
async function quiet(got: Received[], ms = 300): Promise<void> {
  for (;;) {
    const n = got.length;
    await sleep(ms);
    if (got.length === n) return;
  }
}

const relays = (): [number | null, number | null] => [
  r.gx.board.readRelay(1),
  r.gx.board.readRelay(2),
];

async function waitRelays(load: number, charge: number, timeoutMs = 5000): Promise<void> {
  await waitFor(
    () => {
      const [l, c] = relays();
      return l === load && c === charge;
    },
    timeoutMs,
    `relays load=${load} charge=${charge}`,
  );
}

async function backToNormal(): Promise<void> {
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  await waitRelays(1, 1);
}

beforeAll(async () => {
  broker = await startBroker();
  r = await startService({
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    // No minimum off time: a line that comes back switches its output back on at once.
    editConfig: (c) => {
      c.tunables = { minOffTimeS: 0 };
    },
  });
  await backToNormal();
  // The bridge listens for commands once it has subscribed.
  await waitFor(() => broker.subscriptions.has(T.set), 10000, 'service subscribed to /set');
}, 30000);

afterEach(closeClients);

afterAll(async () => {
  await closeClients();
  await shutdown(r);
  await broker.close();
});

test('state and availability are retained; a line change gives a new state and an event', async () => {
  // A subscriber arriving after the service started gets both retained messages.
  const late = await subscriber([T.availability, T.state]);
  await waitFor(() => late.length >= 2, 3000, 'retained availability and state');
  expect(late.find((m) => m.topic === T.availability)).toMatchObject({
    payload: 'online',
    retain: true,
  });
  const stateMsg = late.find((m) => m.topic === T.state);
  expect(stateMsg?.retain).toBe(true);
  const s = JSON.parse(stateMsg?.payload ?? '{}') as StateJson;
  expect(s).toMatchObject({
    state: 'NORMAL',
    stateCode: 1,
    mode: 'on',
    outputs: { load: true, charge: true, preAlarm: false },
    lines: {
      dischargeAllowed: 'asserted',
      chargeAllowed: 'asserted',
      preAlarm: 'released',
      remote: 'asserted',
    },
    soc: 80, // the simulated battery monitor's reading
  });

  // The charge line drops (input 2 opens).
  const live = await subscriber([T.state, T.event]);
  r.gx.board.setInput(2, 1);
  const dropped = await waitState(
    live,
    (x) => x.lines.chargeAllowed === 'released' && !x.outputs.charge,
    'state with charge released',
  );
  expect(dropped.outputs.load).toBe(true);
  const events = (): Record<string, unknown>[] =>
    live.filter((m) => m.topic === T.event).map((m) => JSON.parse(m.payload));
  const chargeEvent = (to: boolean) => (e: Record<string, unknown>) =>
    e.kind === 'output' && e.name === 'charge' && e.from === !to && e.to === to;
  await waitFor(() => events().some(chargeEvent(false)), 3000, 'event: charge off');
  expect(live.filter((m) => m.topic === T.event).every((m) => !m.retain)).toBe(true);
  expect(events().find(chargeEvent(false))).toMatchObject({
    seq: expect.any(Number),
    wallTime: expect.any(String),
    reason: expect.any(String),
  });
  await waitRelays(1, 0);

  // The new state is the retained one now.
  const later = await subscriber(T.state);
  await waitFor(() => later.length > 0, 3000, 'retained state');
  expect(later[0].retain).toBe(true);
  expect(JSON.parse(later[0].payload)).toMatchObject({
    lines: { chargeAllowed: 'released' },
    outputs: { charge: false },
  });

  const sinceDrop = states(live).length;
  r.gx.board.setInput(2, 0);
  await waitState(live, (x) => x.outputs.charge, 'charge back on', sinceDrop);
  await waitFor(() => events().some(chargeEvent(true)), 3000, 'event: charge on');
  await backToNormal();
});

test('someone else switching our relay is an event on MQTT too (and it is restored)', async () => {
  const live = await subscriber(T.event);
  expect(await setRemote(r.bus!, 'com.victronenergy.system', '/SwitchableOutput/1/State', 0)).toBe(
    0,
  );
  await waitFor(
    () => live.some((m) => (JSON.parse(m.payload) as { kind: string }).kind === 'target'),
    3000,
    'target event',
  );
  const e = live
    .map((m) => JSON.parse(m.payload) as Record<string, unknown>)
    .find((x) => x.kind === 'target');
  expect(e).toMatchObject({
    name: expect.stringMatching(/^charge: relay 2 /),
    from: '0',
    to: true,
    reason: 'set to 0 by someone else while charge is on: restored',
    seq: expect.any(Number),
  });
  await waitRelays(1, 1, 1000);
});

test('commissioning: dry run on/off and a test-output are events on MQTT too', async () => {
  const live = await subscriber(T.event);
  const controls = (): Record<string, unknown>[] =>
    live
      .map((m) => JSON.parse(m.payload) as Record<string, unknown>)
      .filter((x) => x.kind === 'control');
  try {
    expect(await r.setValue('/Bms/DryRun', 1)).toBe(0);
    // 2: forced off (0 would end the test: back to the engine's level).
    expect(await r.setValue('/Bms/TestOutput/Charge', 2)).toBe(0);
    await waitRelays(1, 0);
  } finally {
    expect(await r.setValue('/Bms/DryRun', 0)).toBe(0);
  }
  await waitFor(() => controls().length >= 3, 3000, 'three control events');
  expect(controls()).toEqual([
    expect.objectContaining({ name: 'dryRun', from: false, to: true, seq: expect.any(Number) }),
    expect.objectContaining({
      name: 'test-output charge',
      to: false,
      reason: expect.stringMatching(/^D-Bus \/Bms\/TestOutput: driven/),
    }),
    expect.objectContaining({ name: 'dryRun', from: true, to: false }),
  ]);
  await backToNormal();
});

test('commands: off → REMOTE_OFF, on → back; bad commands refused, nothing changes', async () => {
  const results = await subscriber([T.result, T.state]);
  const pub = await publisher();
  const replies = (): Record<string, unknown>[] =>
    results.filter((m) => m.topic === T.result).map((m) => JSON.parse(m.payload));

  await waitFor(() => states(results).length > 0, 3000, 'retained state');
  const since = states(results).length;
  await pub.publishAsync(T.set, '{"mode":"off"}', { qos: 1 });
  await waitValue(r, '/Bms/State', (v) => v === 5, 'REMOTE_OFF');
  await waitRelays(0, 0);
  expect(await r.value('/Mode')).toBe(252);
  expect(await r.value('/State')).toBe(14);
  await waitFor(() => replies().length === 1, 3000, 'reply to off');
  expect(replies()[0]).toEqual({ ok: true, mode: 'off' });
  const off = (s: StateJson): boolean => s.state === 'REMOTE_OFF' && s.mode === 'standby';
  const offState = await waitState(results, off, 'REMOTE_OFF', since);
  expect(offState.outputs).toMatchObject({ load: false, charge: false });
  const sinceOff = states(results).findIndex((s, i) => i >= since && off(s)) + 1;

  await pub.publishAsync(T.set, '{"mode":"on"}', { qos: 1 });
  await backToNormal();
  expect(await r.value('/Mode')).toBe(3);
  await waitFor(() => replies().length === 2, 3000, 'reply to on');
  expect(replies()[1]).toEqual({ ok: true, mode: 'on' });
  await waitState(results, (s) => s.state === 'NORMAL' && s.mode === 'on', 'NORMAL', sinceOff);
  await quiet(results);

  // Each of these would switch the battery system off if it were taken.
  const bad: [string, string | Buffer][] = [
    ['not JSON', 'off'],
    ['extra key', '{"mode":"off","force":true}'],
    ['standby is not a wire value', '{"mode":"standby"}'],
    ['2 KiB payload', `{"mode":"off"${' '.repeat(2048)}}`],
    ['wrong type', '{"mode":0}'],
    ['escaped', '{"mode":"\\u006ff\\u0066"}'],
  ];
  const before = replies().length;
  const statesBefore = states(results).length;
  for (const [, payload] of bad) await pub.publishAsync(T.set, payload, { qos: 1 });
  await waitFor(() => replies().length === before + bad.length, 3000, 'a reply to each');
  const refused = replies().slice(before);
  expect(refused.every((x) => x.ok === false && typeof x.error === 'string')).toBe(true);
  expect(String(refused[3].error)).toMatch(/too large/);

  await sleep(300);
  expect(await r.value('/Bms/State')).toBe(1);
  expect(await r.value('/Mode')).toBe(3);
  expect(relays()).toEqual([1, 1]);
  expect(states(results).length).toBe(statesBefore); // not even a state republish
  expect(r.proc.exitCode).toBeNull();
  expect(r.log()).toMatch(/refused/);
});

test('a retained command left on the broker is refused when the service (re)connects', async () => {
  // A stale retained "off" must never act at start-up: place one while the service is away.
  const results = await subscriber(T.result);
  const pub = await publisher();
  await r.stop();
  await pub.publishAsync(T.set, '{"mode":"off"}', { qos: 1, retain: true });
  await r.restart();
  await waitFor(() => results.length > 0, 10000, 'reply to the replayed command');
  expect(JSON.parse(results[0].payload)).toMatchObject({ ok: false, error: /retained/ });
  await backToNormal(); // REMOTE_OFF (5) here would time out
  await sleep(300);
  expect(await r.value('/Bms/State')).toBe(1);
  expect(await r.value('/Mode')).toBe(3);
  expect(relays()).toEqual([1, 1]);
  // Clear it (what the README tells users); the empty live message is refused, harmlessly.
  await pub.publishAsync(T.set, '', { qos: 1, retain: true });
  await waitFor(() => results.length > 1, 3000, 'reply to the clearing message');
  expect(await r.value('/Bms/State')).toBe(1);
});

test('known gap: a command published live WITH the retain flag is taken (MQTT 3.1.1)', async () => {
  // The README says retained commands are always ignored; that holds for the broker's replay
  // at (re)connect (previous test), not here: MQTT 3.1.1 (the bridge's protocol, and all that
  // aedes speaks) clears the retain flag on live delivery (retain-as-published is MQTT 5), so
  // the service cannot tell this command from a plain one and takes it. Pinned here so that a
  // change (MQTT 5 with rap on `/set`) shows up; "on" keeps the system as it is.
  const results = await subscriber(T.result);
  const pub = await publisher();
  try {
    await pub.publishAsync(T.set, '{"mode":"on"}', { qos: 1, retain: true });
    await waitFor(() => results.length > 0, 3000, 'reply');
    expect(JSON.parse(results[0].payload)).toEqual({ ok: true, mode: 'on' });
    expect(await r.value('/Bms/State')).toBe(1);
  } finally {
    await pub.publishAsync(T.set, '', { qos: 1, retain: true });
  }
});

const REQUIRED = ['name', 'unique_id', 'state_topic', 'availability_topic', 'device'];

test('Home Assistant discovery: retained configs with the required fields, republished on HA online', async () => {
  const got = await subscriber('homeassistant/#');
  const expected = [
    'binary_sensor/load_allowed',
    'binary_sensor/charge_allowed',
    'binary_sensor/pre_alarm',
    'binary_sensor/line_discharge_allowed',
    'binary_sensor/line_charge_allowed',
    'binary_sensor/line_pre_alarm',
    'binary_sensor/line_remote',
    'sensor/state',
    'sensor/soc',
    'sensor/voltage',
    'sensor/current',
    'sensor/alarm_low_cell_voltage',
    'switch/remote',
  ].map((k) => {
    const [component, key] = k.split('/');
    return `homeassistant/${component}/${NODE}/${key}/config`;
  });
  await waitFor(() => expected.every((t) => got.some((m) => m.topic === t)), 3000, 'configs');
  await sleep(200);
  const retained = got.filter((m) => m.retain && m.payload !== '');
  expect(retained).toHaveLength(got.length);
  // Exactly one config per topic, all under our node id.
  const topics = retained.map((m) => m.topic);
  expect(new Set(topics).size).toBe(topics.length);
  expect(
    topics.every((t) => new RegExp(`^homeassistant/[a-z_]+/${NODE}/[a-z0-9_]+/config$`).test(t)),
  ).toBe(true);
  // Unwired lines (cell over-voltage, temperatures) have no entity.
  expect(topics.some((t) => /line_(cell|high|low)/.test(t))).toBe(false);

  const uniqueIds = new Set<string>();
  for (const m of retained) {
    const c = JSON.parse(m.payload) as Record<string, unknown>;
    for (const f of REQUIRED) expect(c).toHaveProperty(f);
    expect(c.state_topic).toBe(T.state);
    expect(c.availability_topic).toBe(T.availability);
    expect(c).toMatchObject({ payload_available: 'online', payload_not_available: 'offline' });
    const device = c.device as { identifiers: unknown };
    expect(device.identifiers).toEqual([NODE]);
    expect(typeof c.value_template).toBe('string');
    uniqueIds.add(String(c.unique_id));
  }
  expect(uniqueIds.size).toBe(retained.length);

  const sw = JSON.parse(
    retained.find((m) => m.topic.includes('/switch/'))?.payload ?? '{}',
  ) as Record<string, unknown>;
  expect(sw).toMatchObject({
    command_topic: T.set,
    payload_on: '{"mode":"on"}',
    payload_off: '{"mode":"off"}',
    state_on: 'on',
    state_off: 'standby',
  });
  const soc = JSON.parse(
    retained.find((m) => m.topic.endsWith('/soc/config'))?.payload ?? '{}',
  ) as Record<string, unknown>;
  expect(soc).toMatchObject({ device_class: 'battery', unit_of_measurement: '%' });

  // Home Assistant restarts and says so: every config is sent again.
  const pub = await publisher();
  await pub.publishAsync('homeassistant/status', 'online', { qos: 1 });
  await waitFor(() => got.length >= 2 * retained.length + 1, 3000, 'republished configs');
  await sleep(200);
  const again = got.filter((m) => m.topic !== 'homeassistant/status').slice(retained.length);
  expect(again.map((m) => m.topic).sort()).toEqual([...topics].sort());
  // Same content as the retained ones.
  for (const m of again) {
    expect(m.payload).toBe(retained.find((x) => x.topic === m.topic)?.payload);
  }
});

test('broker restart: the service reconnects, republishes, and protected during the outage', async () => {
  const port = broker.port;
  await broker.close(); // abrupt: every connection cut, every retained message lost
  clients.splice(0); // their sockets are gone with the broker

  // The charge line drops while the broker is away: the relay follows all the same.
  r.gx.board.setInput(2, 1);
  await waitRelays(1, 0);
  expect(await r.value('/Bms/Outputs/Charge')).toBe(0);

  broker = await startBroker(port);
  await waitFor(() => broker.subscriptions.has(T.set), 15000, 'service back and subscribed');
  // The first subscriber may see them live (if it beats the service's publishes); once it has
  // both, a later one must get both retained.
  const got = await subscriber([T.availability, T.state]);
  const both = (g: Received[]): boolean =>
    g.some((m) => m.topic === T.availability) && g.some((m) => m.topic === T.state);
  await waitFor(() => both(got), 3000, 'availability and state');
  const late = await subscriber([T.availability, T.state]);
  await waitFor(() => both(late), 3000, 'retained availability and state');
  expect(late.find((m) => m.topic === T.availability)).toMatchObject({
    payload: 'online',
    retain: true,
  });
  expect(late.find((m) => m.topic === T.state)?.retain).toBe(true);
  // Made while the broker was down, published after the reconnect.
  expect(lastState(late)).toMatchObject({
    lines: { chargeAllowed: 'released' },
    outputs: { charge: false },
  });

  // Live again: the line comes back, the state follows.
  r.gx.board.setInput(2, 0);
  await waitState(
    got,
    (x) => x.outputs.charge && x.lines.chargeAllowed === 'asserted',
    'charge on',
  );
  await backToNormal();
  // Commands work on the new connection.
  const pub = await publisher();
  const results = await subscriber(T.result);
  await pub.publishAsync(T.set, '{"mode":"on"}', { qos: 1 });
  await waitFor(() => results.length > 0, 3000, 'reply');
  expect(JSON.parse(results[0].payload)).toEqual({ ok: true, mode: 'on' });
}, 30000);

test('last will: kill -9 leaves a retained offline at once; a SIGTERM stop leaves offline too', async () => {
  const watch = await subscriber(T.availability);
  await waitFor(() => watch.some((m) => m.payload === 'online'), 3000, 'online');
  const killedAt = process.hrtime.bigint();
  await r.kill9();
  await waitFor(() => watch.some((m) => m.payload === 'offline'), 5000, 'will: offline');
  const willMs =
    Number((watch.find((m) => m.payload === 'offline') as Received).at - killedAt) / 1e6;
  // The socket closes with the process: no keepalive (30 s × 1.5) to wait for.
  expect(willMs).toBeLessThan(2000);
  const late = await subscriber(T.availability);
  await waitFor(() => late.length > 0, 3000, 'retained availability');
  expect(late[0]).toMatchObject({ payload: 'offline', retain: true });

  // Back up: online again.
  await r.restart();
  await waitFor(() => watch.filter((m) => m.payload === 'online').length >= 2, 10000, 'online');

  // A clean stop publishes offline before disconnecting (no will needed).
  const n = watch.length;
  await r.stop();
  expect(r.proc.exitCode).toBe(0);
  await waitFor(() => watch.length > n, 3000, 'offline on stop');
  expect(watch.at(-1)?.payload).toBe('offline');
  const after = await subscriber(T.availability);
  await waitFor(() => after.length > 0, 3000, 'retained availability');
  expect(after[0]).toMatchObject({ payload: 'offline', retain: true });
  expect(r.log()).toMatch(/MQTT stopped/);
});
