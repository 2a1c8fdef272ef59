/**
 * Measurement: delay from publishState() to a subscriber receiving the state, through a
 * local aedes broker over TCP (both clients in this process). Printed, loosely asserted.
 */
import { MqttBridge } from '../../service/src/mqtt/bridge';
import {
  FAST,
  IDS,
  PREFIX,
  client,
  closeClient,
  memoryLogger,
  mqttConfig,
  recorder,
  snapshot,
  startBroker,
  waitFor,
} from './helpers';

const CHANGES = 500;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

test(`publishState → subscriber delay over ${CHANGES} changes`, async () => {
  const broker = await startBroker();
  const bridge = new MqttBridge(mqttConfig(broker.port), IDS, memoryLogger(), FAST);
  bridge.start();
  const c = await client(broker.port);
  const got = await recorder(c, `${PREFIX}/state`);
  try {
    await waitFor(() => bridge.getStats().connected);
    // Warm-up (JIT, socket buffers), not measured.
    for (let i = 0; i < 50; i++) {
      bridge.publishState(snapshot({ voltage: 20 + i / 100 }));
      await waitFor(() => got.length > i, 2000);
    }
    got.length = 0;
    const delaysMs: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const t0 = process.hrtime.bigint();
      bridge.publishState(snapshot({ soc: i / 10 }));
      await waitFor(() => got.length > i, 2000, `state ${i}`);
      delaysMs.push(Number(got[i].at - t0) / 1e6);
    }
    const sorted = [...delaysMs].sort((a, b) => a - b);
    const median = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log(
      `MQTT publishState→subscriber, ${CHANGES} changes, local aedes: ` +
        `median ${median.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${sorted[sorted.length - 1].toFixed(3)} ms`,
    );
    expect(JSON.parse(got[CHANGES - 1].payload).soc).toBe((CHANGES - 1) / 10);
    expect(median).toBeLessThan(50);
  } finally {
    await closeClient(c);
    await bridge.stop();
    await broker.close();
  }
});
