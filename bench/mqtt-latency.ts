/**
 * MQTT state latency: from a BMS line change (the input file written on the simulated board)
 * to the `<prefix>/state` message that shows it, as received by a subscriber on the broker.
 * The real `smallbms run` (the bundle) on a simulated GX with a private dbus-daemon, an
 * embedded aedes broker and the subscriber in this process. The charge line (input 2) is
 * toggled N times with `minOffTimeS: 0`, so every change shows at once; a random pause after
 * each message keeps the changes out of phase with the poll.
 *
 *   npx ts-node --transpile-only bench/mqtt-latency.ts [--n 100] [--poll 20] [--debounce 20]
 *   npx ts-node --transpile-only bench/mqtt-latency.ts --prod      # poll 100, debounce 200
 *
 * Defaults: the simulated GX's line settings (poll 20 ms, debounce 20 ms); `--prod` uses the
 * config defaults of a real GX (schema: pollMs 100, debounceMs 200). Prints the numbers.
 */
import * as fs from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createBroker } from 'aedes';
import { connect, type MqttClient } from 'mqtt';
import { ensureBundle } from '../scripts/bundle.js';
import { SimGx } from '../service/src/sim/gx';
import { serviceNode, serviceNodeVersion } from '../test/helpers/runtime';

const PREFIX = 'smallbms/simgx'; // SimGx.spawnService sets SMALLBMS_PORTAL_ID=simgx

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}

const prod = process.argv.includes('--prod');
const N = arg('n', 100);
const POLL_MS = arg('poll', prod ? 100 : 20);
const DEBOUNCE_MS = arg('debounce', prod ? 200 : 20);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Broker {
  port: number;
  close(): Promise<void>;
}

async function startBroker(): Promise<Broker> {
  const broker = createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface StateJson {
  lines: Record<string, string>;
  outputs: { charge: boolean };
}

/** Resolves with the arrival time of the first state message satisfying `ok`. */
type Waiter = { ok: (s: StateJson) => boolean; resolve: (t: number) => void };

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function main(): Promise<void> {
  const script = ensureBundle();
  const broker = await startBroker();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-mqtt-latency-'));
  const gx = await SimGx.start({
    node: serviceNode(),
    root,
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    editConfig: (c) => {
      const lines = c.lines as Record<
        string,
        { source: Record<string, unknown>; debounceMs: number }
      >;
      for (const line of Object.values(lines)) {
        line.source.pollMs = POLL_MS;
        line.debounceMs = DEBOUNCE_MS;
      }
      c.tunables = { minOffTimeS: 0 };
    },
  });
  const proc = gx.spawnService(script);
  let client: MqttClient | null = null;
  try {
    client = connect(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    let waiter: Waiter | null = null;
    let latest: StateJson | null = null;
    client.on('message', (topic, payload) => {
      const t = performance.now();
      if (topic !== `${PREFIX}/state`) return;
      latest = JSON.parse(payload.toString('utf8')) as StateJson;
      if (waiter && waiter.ok(latest)) {
        const w = waiter;
        waiter = null;
        w.resolve(t);
      }
    });
    await new Promise<void>((resolve, reject) => {
      (client as MqttClient).once('connect', () => resolve());
      (client as MqttClient).once('error', reject);
    });
    await client.subscribeAsync(`${PREFIX}/state`, { qos: 1 });

    const waitState = (ok: (s: StateJson) => boolean, timeoutMs: number): Promise<number> =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = null;
          reject(
            new Error(`no matching state within ${timeoutMs} ms; last: ${JSON.stringify(latest)}`),
          );
        }, timeoutMs);
        waiter = {
          ok,
          resolve: (t) => {
            clearTimeout(timer);
            resolve(t);
          },
        };
        if (latest && ok(latest)) {
          waiter = null;
          clearTimeout(timer);
          resolve(performance.now());
        }
      });

    const charge =
      (level: 0 | 1) =>
      (s: StateJson): boolean =>
        s.lines.chargeAllowed === (level === 0 ? 'asserted' : 'released') &&
        s.outputs.charge === (level === 0);
    // Service up, connected, NORMAL with the charge line asserted (input closed = 0).
    await waitState(charge(0), 20000);
    await sleep(500);

    const latencies: number[] = [];
    let level: 0 | 1 = 0;
    for (let i = 0; i < N; i++) {
      level = level === 0 ? 1 : 0;
      const done = waitState(charge(level), 5000);
      const t0 = performance.now();
      gx.board.setInput(2, level);
      latencies.push((await done) - t0);
      await sleep(20 + Math.random() * 60);
    }

    const sorted = [...latencies].sort((a, b) => a - b);
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    const f = (v: number): string => v.toFixed(1).padStart(7);
    console.log(`MQTT state latency: input file written -> <prefix>/state received (ms)`);
    console.log(
      `settings: poll ${POLL_MS} ms, debounce ${DEBOUNCE_MS} ms, minOffTimeS 0, charge line ` +
        `(input 2), ${N} changes, QoS 1, broker aedes in-process, node ${serviceNodeVersion()}, ` +
        `${os.cpus().length} CPU`,
    );
    console.log(
      `min ${f(sorted[0])}  median ${f(percentile(sorted, 0.5))}  mean ${f(mean)}  ` +
        `p99 ${f(percentile(sorted, 0.99))}  max ${f(sorted[sorted.length - 1])}`,
    );
  } finally {
    await client?.endAsync(true).catch(() => undefined);
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    await gx.stop();
    await broker.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
