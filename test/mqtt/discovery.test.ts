/** Home Assistant discovery through a real broker: publish, republish, removal of stale ones. */
import { MqttBridge } from '../../service/src/mqtt/bridge';
import {
  FAST,
  IDS,
  client,
  closeClient,
  memoryLogger,
  mqttConfig,
  recorder,
  sleep,
  snapshot,
  startBroker,
  waitFor,
  type Received,
  type TestBroker,
} from './helpers';
import type { MqttConfig } from '../../service/src/config/types';
import type { StatusSnapshot } from '../../service/src/status';

let broker: TestBroker;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  broker = await startBroker();
});
afterEach(async () => {
  while (cleanups.length > 0) await (cleanups.pop() as () => Promise<void>)();
  await broker.close();
});

const CONFIGS = 'homeassistant/+/+/+/config';
const FOUR_LINES: StatusSnapshot['lines'] = {
  dischargeAllowed: 'asserted',
  chargeAllowed: 'asserted',
  remote: 'asserted',
  highTemperature: 'released',
};

async function runBridge(s: StatusSnapshot, overrides: Partial<MqttConfig> = {}) {
  const b = new MqttBridge(mqttConfig(broker.port, overrides), IDS, memoryLogger(), FAST);
  b.publishState(s);
  b.start();
  cleanups.push(() => b.stop());
  await waitFor(() => b.getStats().connected);
  return b;
}

async function subscribe(filter: string): Promise<Received[]> {
  const c = await client(broker.port);
  cleanups.push(() => closeClient(c));
  return recorder(c, filter);
}

/** The retained configs the broker holds now, as a late subscriber sees them. */
async function retainedConfigs(): Promise<Map<string, string>> {
  const c = await client(broker.port);
  const got = await recorder(c, CONFIGS);
  await sleep(150);
  await closeClient(c);
  return new Map(got.filter((m) => m.retain && m.payload !== '').map((m) => [m.topic, m.payload]));
}

test('configs are published retained once the wired lines are known', async () => {
  const b = await runBridge(snapshot({ lines: FOUR_LINES }));
  const live = await subscribe(CONFIGS);
  await waitFor(() => live.length >= b.getStats().discoveryTopics, 3000, 'configs');
  const held = await retainedConfigs();
  expect(held.size).toBe(b.getStats().discoveryTopics);
  expect([...held.keys()].some((t) => t.endsWith('/line_high_temperature/config'))).toBe(true);
});

test('republishes every config when homeassistant/status says online', async () => {
  const b = await runBridge(snapshot());
  const n = b.getStats().discoveryTopics;
  const live = await subscribe(CONFIGS);
  await waitFor(() => live.length >= n); // the retained replay
  await sleep(50);
  live.length = 0;
  const ha = await client(broker.port);
  cleanups.push(() => closeClient(ha));
  await ha.publishAsync('homeassistant/status', 'online');
  await waitFor(() => live.length >= n, 3000, 'republish');
  await sleep(100);
  expect(live).toHaveLength(n);
  expect(live.every((m) => m.payload.startsWith('{'))).toBe(true);
  // Anything else on the status topic is ignored.
  live.length = 0;
  await ha.publishAsync('homeassistant/status', 'offline');
  await sleep(100);
  expect(live).toHaveLength(0);
});

test('a custom discovery prefix is used for configs and HA status', async () => {
  const b = await runBridge(snapshot(), {
    homeAssistant: { enabled: true, discoveryPrefix: 'ha-test' },
  });
  const live = await subscribe('ha-test/#');
  await waitFor(() => live.length >= b.getStats().discoveryTopics);
  expect(live.every((m) => m.topic.startsWith('ha-test/'))).toBe(true);
});

test('a line unwired between restarts: its entity and its alarm are removed, the others stay', async () => {
  const first = await runBridge(snapshot({ lines: FOUR_LINES }));
  const n = first.getStats().discoveryTopics;
  await sleep(150);
  expect([...(await retainedConfigs()).keys()]).toEqual(
    expect.arrayContaining([
      expect.stringContaining('/line_high_temperature/'),
      expect.stringContaining('/alarm_high_temperature/'),
    ]),
  );
  await first.stop();

  const lines = { ...FOUR_LINES };
  delete lines.highTemperature;
  const second = await runBridge(snapshot({ lines }));
  expect(second.getStats().discoveryTopics).toBe(n - 2);
  await sleep(200);
  const held = await retainedConfigs();
  expect(held.size).toBe(n - 2);
  expect([...held.keys()].some((t) => t.includes('high_temperature'))).toBe(false);
});

test('a wiring change at runtime adds and removes entities at once (the line and its alarm)', async () => {
  const b = await runBridge(snapshot());
  const n = b.getStats().discoveryTopics;
  const watch = await subscribe(CONFIGS);
  b.publishState(snapshot({ lines: FOUR_LINES }));
  await sleep(150);
  expect((await retainedConfigs()).size).toBe(n + 2);
  b.publishState(snapshot());
  await sleep(150);
  expect((await retainedConfigs()).size).toBe(n);
  // The removal is an empty retained message on each topic that went away.
  const removed = watch.filter((m) => m.payload === '').map((m) => m.topic.split('/')[3]);
  expect(removed.sort()).toEqual(['alarm_high_temperature', 'line_high_temperature']);
});

test('discovery switched off: every entity published before is removed', async () => {
  const first = await runBridge(snapshot({ lines: FOUR_LINES }));
  const n = first.getStats().discoveryTopics;
  await sleep(150);
  expect((await retainedConfigs()).size).toBe(n);
  await first.stop();

  const watch = await subscribe(CONFIGS);
  await waitFor(() => watch.length >= n); // replay of what is held
  const second = await runBridge(snapshot({ lines: FOUR_LINES }), {
    homeAssistant: { enabled: false, discoveryPrefix: 'homeassistant' },
  });
  expect(second.getStats().discoveryTopics).toBe(0);
  await waitFor(() => watch.filter((m) => m.payload === '').length >= n, 3000, 'removals');
  expect(await retainedConfigs()).toEqual(new Map());
  // Other devices' configs are never touched.
  expect(watch.filter((m) => m.payload === '').every((m) => m.topic.includes('smallbms'))).toBe(
    true,
  );
});

test('another bank or another device under the same discovery prefix is left alone', async () => {
  const other = await client(broker.port);
  cleanups.push(() => closeClient(other));
  const foreign = 'homeassistant/sensor/other_device/temp/config';
  await other.publishAsync(foreign, '{"name":"t"}', { retain: true, qos: 1 });
  await runBridge(snapshot(), {
    homeAssistant: { enabled: false, discoveryPrefix: 'homeassistant' },
  });
  await sleep(200);
  expect((await retainedConfigs()).get(foreign)).toBe('{"name":"t"}');
});
