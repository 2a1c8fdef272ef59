/** The bridge against a real embedded broker: retained state, availability, LWT, events. */
import type { IClientOptions, MqttClient } from 'mqtt';
import { connect } from 'mqtt';
import { MqttBridge } from '../../service/src/mqtt/bridge';
import {
  FAST,
  IDS,
  PREFIX,
  client,
  closeClient,
  historyEvent,
  memoryLogger,
  mqttConfig,
  recorder,
  snapshot,
  startBroker,
  waitFor,
  type TestBroker,
} from './helpers';

let broker: TestBroker;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  broker = await startBroker();
});
afterEach(async () => {
  while (cleanups.length > 0) await (cleanups.pop() as () => Promise<void>)();
  await broker.close();
});

function bridge(options = FAST, overrides = {}): MqttBridge {
  const b = new MqttBridge(mqttConfig(broker.port, overrides), IDS, memoryLogger(), options);
  cleanups.push(() => b.stop());
  return b;
}

async function subscriber(filter: string | string[]) {
  const c = await client(broker.port);
  cleanups.push(() => closeClient(c));
  return { c, got: await recorder(c, filter) };
}

test('start() returns at once and never throws, even with no broker', () => {
  const b = new MqttBridge(mqttConfig(1), IDS, memoryLogger(), FAST);
  cleanups.push(() => b.stop());
  const t0 = Date.now();
  expect(b.start()).toBeUndefined();
  b.publishState(snapshot());
  b.publishEvent(historyEvent(1));
  // Generous bound: the first call also loads modules; waiting on a broker would take seconds.
  expect(Date.now() - t0).toBeLessThan(1000);
  expect(b.getStats()).toMatchObject({ connected: false, queuedEvents: 1 });
});

test('state and availability are retained: a late subscriber gets both', async () => {
  const b = bridge();
  b.publishState(snapshot({ soc: 55 }));
  b.start();
  // An early subscriber tells us when the broker has the messages.
  const early = await subscriber(`${PREFIX}/+`);
  await waitFor(() => early.got.some((m) => m.topic === `${PREFIX}/state`), 5000, 'state');

  const late = await subscriber([`${PREFIX}/availability`, `${PREFIX}/state`]);
  await waitFor(() => late.got.length >= 2, 2000, 'retained messages');
  const avail = late.got.find((m) => m.topic === `${PREFIX}/availability`);
  const state = late.got.find((m) => m.topic === `${PREFIX}/state`);
  expect(avail).toMatchObject({ payload: 'online', retain: true });
  expect(state?.retain).toBe(true);
  expect(JSON.parse(state?.payload ?? '{}')).toMatchObject({
    state: 'NORMAL',
    soc: 55,
    mode: 'on',
  });
});

test('state is published only when it changes', async () => {
  const { got } = await subscriber(`${PREFIX}/state`);
  const b = bridge();
  b.start();
  await waitFor(() => b.getStats().connected);
  for (let i = 0; i < 5; i++) b.publishState(snapshot());
  b.publishState(snapshot({ soc: 80 }));
  b.publishState(snapshot({ soc: 80 }));
  b.publishState(snapshot());
  await waitFor(() => got.length >= 3);
  await new Promise((r) => setTimeout(r, 100));
  expect(got.map((m) => JSON.parse(m.payload).soc)).toEqual([87.5, 80, 87.5]);
  expect(b.getStats().statePublishes).toBe(3);
});

test('while offline only the latest state is kept, and published on connect', async () => {
  const { got } = await subscriber(`${PREFIX}/state`);
  const b = bridge();
  for (let soc = 10; soc <= 50; soc += 10) b.publishState(snapshot({ soc }));
  b.start();
  await waitFor(() => got.length >= 1);
  await new Promise((r) => setTimeout(r, 100));
  expect(got.map((m) => JSON.parse(m.payload).soc)).toEqual([50]);
});

test('events are published not retained, as JSON', async () => {
  const { got } = await subscriber(`${PREFIX}/event`);
  const b = bridge();
  b.start();
  await waitFor(() => b.getStats().connected);
  b.publishEvent(historyEvent(7));
  await waitFor(() => got.length === 1);
  expect(got[0].retain).toBe(false);
  expect(JSON.parse(got[0].payload)).toMatchObject({ seq: 7, kind: 'output', name: 'load' });
  // Not retained: a late subscriber gets nothing.
  const late = await subscriber(`${PREFIX}/event`);
  await new Promise((r) => setTimeout(r, 100));
  expect(late.got).toHaveLength(0);
});

test('last will: availability goes offline (retained) when the socket dies without DISCONNECT', async () => {
  let captured: MqttClient | null = null;
  const b = bridge({
    ...FAST,
    // Slow reconnect so that the retained `offline` stays in place long enough to check it.
    reconnectMinMs: 60_000,
    connect: (url: string, opts: IClientOptions) => (captured = connect(url, opts)),
  });
  b.start();
  const watch = await subscriber(`${PREFIX}/availability`);
  await waitFor(() => watch.got.some((m) => m.payload === 'online'));

  // A crash as the broker sees it: the TCP stream is gone, no DISCONNECT packet was sent.
  (captured as unknown as MqttClient).stream.destroy();
  await waitFor(() => watch.got.some((m) => m.payload === 'offline'), 5000, 'last will');

  const late = await subscriber(`${PREFIX}/availability`);
  await waitFor(() => late.got.length === 1);
  expect(late.got[0]).toMatchObject({ payload: 'offline', retain: true });
});

test('stop() publishes offline retained and disconnects cleanly', async () => {
  const b = bridge();
  b.start();
  await waitFor(() => b.getStats().connected);
  await b.stop();
  expect(b.getStats().connected).toBe(false);
  const late = await subscriber(`${PREFIX}/availability`);
  await waitFor(() => late.got.length === 1);
  expect(late.got[0]).toMatchObject({ payload: 'offline', retain: true });
});

test('mqtt.enabled = false: start() does nothing', async () => {
  const logger = memoryLogger();
  const b = new MqttBridge(mqttConfig(broker.port, { enabled: false }), IDS, logger, FAST);
  b.start();
  b.publishState(snapshot());
  await new Promise((r) => setTimeout(r, 100));
  expect(b.getStats().connected).toBe(false);
  await b.stop();
});

test('prefix: {portalId} is replaced, a trailing slash dropped', () => {
  const b = new MqttBridge(mqttConfig(1, { prefix: 'site/{portalId}/bms/' }), IDS, memoryLogger());
  expect(b.topics).toMatchObject({
    state: `site/${IDS.portalId}/bms/state`,
    availability: `site/${IDS.portalId}/bms/availability`,
    command: `site/${IDS.portalId}/bms/set`,
  });
});
