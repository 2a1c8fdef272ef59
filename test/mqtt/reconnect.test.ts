/** Broker restarts and long outages: the bridge comes back and nothing grows without bound. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { MqttBridge } from '../../service/src/mqtt/bridge';
import {
  FAST,
  IDS,
  PREFIX,
  client,
  closeClient,
  freePort,
  historyEvent,
  memoryLogger,
  mqttConfig,
  recorder,
  sleep,
  snapshot,
  startBroker,
  waitFor,
} from './helpers';

test('broker restart: reconnects, republishes availability, latest state and discovery', async () => {
  let broker = await startBroker();
  const port = broker.port;
  const bridge = new MqttBridge(mqttConfig(port), IDS, memoryLogger(), FAST);
  bridge.publishState(snapshot({ soc: 70 }));
  bridge.start();
  try {
    await waitFor(() => bridge.getStats().connected);
    await broker.close(); // every retained message is gone with it
    await waitFor(() => !bridge.getStats().connected);
    bridge.publishState(snapshot({ soc: 69 }));
    bridge.publishState(snapshot({ soc: 68 }));

    broker = await startBroker(port);
    await waitFor(() => bridge.getStats().connected, 5000, 'reconnect');
    await sleep(100);
    const c = await client(port);
    const got = await recorder(c, [`${PREFIX}/availability`, `${PREFIX}/state`, 'homeassistant/#']);
    await sleep(150);
    await closeClient(c);
    expect(got.find((m) => m.topic.endsWith('/availability'))).toMatchObject({
      payload: 'online',
      retain: true,
    });
    const state = got.find((m) => m.topic.endsWith('/state'));
    expect(JSON.parse(state?.payload ?? '{}').soc).toBe(68);
    expect(got.filter((m) => m.topic.startsWith('homeassistant/'))).toHaveLength(
      bridge.getStats().discoveryTopics,
    );
  } finally {
    await bridge.stop();
    await broker.close();
  }
});

test('reconnect delay grows while the broker is away, and resets after success', async () => {
  const port = await freePort();
  let captured: MqttClient | null = null;
  const bridge = new MqttBridge(mqttConfig(port), IDS, memoryLogger(), {
    reconnectMinMs: 20,
    reconnectMaxMs: 160,
    connect: (url: string, opts: IClientOptions) => (captured = connect(url, opts)),
  });
  bridge.start();
  const periods: number[] = [];
  const c = captured as unknown as MqttClient;
  c.on('close', () => periods.push(c.options.reconnectPeriod ?? -1));
  try {
    await waitFor(() => periods.length >= 6, 5000, 'attempts');
    expect(Math.max(...periods)).toBe(160);
    expect(periods).toEqual([...periods].sort((a, b) => a - b));
    const broker = await startBroker(port);
    await waitFor(() => bridge.getStats().connected, 5000, 'connect');
    expect(c.options.reconnectPeriod).toBe(20);
    await bridge.stop();
    await broker.close();
  } finally {
    await bridge.stop();
  }
});

/** A real collection before each heap reading, so the numbers show what is retained. */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

test('10 000 events while the broker is down: queue bounded, oldest dropped, rest delivered', async () => {
  const port = await freePort();
  let captured: MqttClient | null = null;
  const logger = memoryLogger();
  const bridge = new MqttBridge(mqttConfig(port), IDS, logger, {
    ...FAST,
    eventQueueLimit: 100,
    connect: (url: string, opts: IClientOptions) => (captured = connect(url, opts)),
  });
  bridge.start();
  try {
    const gc = gcFunction();
    // Warm up the code paths so that compiled code does not count as growth.
    for (let seq = 0; seq < 200; seq++) bridge.publishEvent(historyEvent(seq));
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let seq = 0; seq < 10_000; seq++) {
      bridge.publishEvent(historyEvent(seq));
      bridge.publishState(snapshot({ soc: seq % 100 }));
    }
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    console.log(`heap retained after 10 000 offline events: ${(heapGrowth / 1024).toFixed(0)} KiB`);
    expect(bridge.getStats()).toMatchObject({ queuedEvents: 100, droppedEvents: 10_100 });
    // mqtt.js's own offline queue stays empty: the bridge never publishes while offline.
    const internal = captured as unknown as { queue: unknown[] };
    expect(internal.queue).toHaveLength(0);
    // Unbounded, 10 000 queued events of ~250 bytes would retain several MB.
    expect(heapGrowth).toBeLessThan(1024 * 1024);

    const broker = await startBroker(port);
    const c = await client(port);
    const got = await recorder(c, `${PREFIX}/event`);
    await waitFor(() => got.length >= 100, 5000, 'flushed events');
    await sleep(100);
    expect(got.map((m) => JSON.parse(m.payload).seq)).toEqual(
      Array.from({ length: 100 }, (_, i) => 9900 + i),
    );
    expect(bridge.getStats().queuedEvents).toBe(0);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', obj: { dropped: 10_100 } }),
    );
    await closeClient(c);
    await bridge.stop();
    await broker.close();
  } finally {
    await bridge.stop();
  }
});
