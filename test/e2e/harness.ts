/** End-to-end: the real `smallbms run` process on a simulated GX (service/src/sim/gx.ts). */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBundle } from '../../scripts/bundle.js';
import { SimGx, type SimGxOptions } from '../../service/src/sim/gx';
import { connectBus, type Bus } from '../../service/src/venus/bus';
import { Typed } from '../../service/src/venus/bus';
import { plain } from '../../service/src/venus/values';
import type { VeValue } from '../../service/src/venus/api';
import type { HistoryEvent } from '../../service/src/status';
import { spawn } from 'node:child_process';
import { serviceNode } from '../helpers/runtime';

export const SERVICE = 'com.victronenergy.battery.smallbms';

export interface Running {
  gx: SimGx;
  proc: ChildProcess;
  bus: Bus | null;
  log(): string;
  value(p: string): Promise<VeValue | undefined>;
  setValue(p: string, v: number | string, sig?: string): Promise<number>;
  restart(args?: string[]): Promise<void>;
  /** Resolves when the service is on D-Bus (or running, without D-Bus). */
  ready(): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
  /** The harness made the GX's folder (no `root` given): shutdown removes it. */
  ownsRoot: boolean;
}

export function tempRoot(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `smallbms-${prefix}-`));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  probe: () => T | Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const start = Date.now();
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`,
      );
    }
    await sleep(20);
    last = await probe();
  }
  return last;
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}

/** Start a simulated GX and the service; resolves when the service is on D-Bus (or running). */
export async function startService(
  options: Omit<SimGxOptions, 'root'> & { root?: string; args?: string[] },
): Promise<Running> {
  const script = ensureBundle();
  const ownRoot = options.root === undefined;
  const gx = await SimGx.start({
    root: options.root ?? tempRoot('e2e'),
    node: serviceNode(),
    ...options,
  });
  const bus = gx.address ? await connectBus(gx.address) : null;
  const logFile = path.join(gx.o.root, 'service.log');
  const r: Running = {
    gx,
    proc: gx.spawnService(script, options.args ?? []),
    ownsRoot: ownRoot,
    bus,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async value(p) {
      if (!bus) throw new Error('no D-Bus');
      return getRemote(bus, SERVICE, p);
    },
    async setValue(p, v, sig) {
      if (!bus) throw new Error('no D-Bus');
      const [code] = await bus.call({
        destination: SERVICE,
        path: p,
        interface: 'com.victronenergy.BusItem',
        member: 'SetValue',
        signature: 'v',
        body: [
          new Typed(sig ?? (typeof v === 'string' ? 's' : Number.isInteger(v) ? 'i' : 'd'), v),
        ],
      });
      return Number(code);
    },
    async restart(args) {
      await r.stop();
      r.proc = gx.spawnService(script, args ?? options.args ?? []);
      await r.ready();
    },
    async kill9() {
      r.proc.kill('SIGKILL');
      await exited(r.proc);
    },
    async stop() {
      r.proc.kill('SIGTERM');
      await exited(r.proc);
    },
    ready: async () => {
      if (bus) {
        await waitFor(
          () => r.value('/DeviceInstance'),
          (v) => typeof v === 'number',
          'service on D-Bus',
          10000,
        );
      } else {
        await waitFor(
          () => r.log(),
          (l) => l.includes('smallbms running'),
          'service running',
          10000,
        );
      }
    },
  };
  await r.ready();
  return r;
}

export async function shutdown(r: Running | undefined): Promise<void> {
  if (!r) return;
  await r.stop().catch(() => undefined);
  r.bus?.disconnect();
  await r.gx.stop();
  if (r.ownsRoot) fs.rmSync(r.gx.o.root, { recursive: true, force: true });
}

/**
 * Config edit for an accelerated clock: poll and debounce are in clock ms, so at `speed` N
 * the sim config's 20 ms would poll every 20/N real ms and burn the CPU other tests need.
 * Scaled, they stay 20 real ms whatever the speed.
 */
export function scaledLines(speed: number): (config: Record<string, unknown>) => void {
  const ms = Math.min(5000, 20 * speed);
  return (config) => {
    const lines = config.lines as Record<
      string,
      { source: Record<string, unknown>; debounceMs?: number }
    >;
    for (const line of Object.values(lines)) {
      line.debounceMs = ms;
      if (line.source.type === 'gpio') line.source.pollMs = Math.max(10, ms);
    }
  };
}

/** Every event of `<root>/data/events.jsonl`; throws on a corrupt line unless it is the last. */
export function readEvents(gx: SimGx): HistoryEvent[] {
  const file = path.join(gx.o.root, 'data', 'events.jsonl');
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: HistoryEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as HistoryEvent);
    } catch (err) {
      // Only the line being written when the process died may be cut short.
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim() !== '')) throw err;
    }
  });
  return out;
}

/** The first event after `afterSeq` matching `match`, waiting for it. */
export async function waitEvent(
  gx: SimGx,
  match: (e: HistoryEvent) => boolean,
  what: string,
  afterSeq = 0,
  timeoutMs = 10000,
): Promise<HistoryEvent> {
  const found = await waitFor(
    () => readEvents(gx).find((e) => e.seq > afterSeq && match(e)),
    (e) => e !== undefined,
    what,
    timeoutMs,
  );
  return found as HistoryEvent;
}

/** Highest seq in the history (0 when empty): a mark to look for events after. */
export function lastSeq(gx: SimGx): number {
  const all = readEvents(gx);
  return all.length ? all[all.length - 1].seq : 0;
}

export const isOutput =
  (name: string, to: boolean) =>
  (e: HistoryEvent): boolean =>
    e.kind === 'output' && e.name === name && e.to === to;

export const isState =
  (to: string) =>
  (e: HistoryEvent): boolean =>
    e.kind === 'state' && e.to === to;

/** Wait until a D-Bus path of our service has a value. */
export function waitValue(
  r: Running,
  p: string,
  ok: (v: VeValue | undefined) => boolean,
  what = p,
  timeoutMs = 10000,
): Promise<VeValue | undefined> {
  return waitFor(() => r.value(p), ok, what, timeoutMs);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI (`node dist/smallbms.js ...`) against a bus (the simulated GX's). */
export function cli(
  address: string | null,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  const script = ensureBundle();
  return new Promise((resolve, reject) => {
    const child = spawn(serviceNode(), [script, ...args], {
      env: {
        ...process.env,
        DBUS_SYSTEM_BUS_ADDRESS: address ?? 'unix:path=/nonexistent',
        SMALLBMS_PORTAL_ID: 'simgx',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export const SETTINGS = 'com.victronenergy.settings';

/** BusItem GetValue on another service (undefined when invalid or unreachable). */
export async function getRemote(
  bus: Bus,
  service: string,
  p: string,
): Promise<VeValue | undefined> {
  try {
    const [v] = await bus.call({
      destination: service,
      path: p,
      interface: 'com.victronenergy.BusItem',
      member: 'GetValue',
      timeoutMs: 1000,
    });
    return plain(v);
  } catch {
    return undefined;
  }
}

/** BusItem SetValue on another service, as the GX console or MQTT would; returns the code. */
export async function setRemote(
  bus: Bus,
  service: string,
  p: string,
  value: number | string,
  sig?: string,
): Promise<number> {
  const [code] = await bus.call({
    destination: service,
    path: p,
    interface: 'com.victronenergy.BusItem',
    member: 'SetValue',
    signature: 'v',
    body: [
      new Typed(
        sig ?? (typeof value === 'string' ? 's' : Number.isInteger(value) ? 'i' : 'd'),
        value,
      ),
    ],
  });
  return Number(code);
}
