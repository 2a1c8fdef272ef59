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
  const gx = await SimGx.start({ root: options.root ?? tempRoot('e2e'), ...options });
  const bus = gx.address ? await connectBus(gx.address) : null;
  const logFile = path.join(gx.o.root, 'service.log');
  const r: Running = {
    gx,
    proc: gx.spawnService(script, options.args ?? []),
    bus,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async value(p) {
      if (!bus) throw new Error('no D-Bus');
      try {
        const [v] = await bus.call({
          destination: SERVICE,
          path: p,
          interface: 'com.victronenergy.BusItem',
          member: 'GetValue',
          timeoutMs: 1000,
        });
        return plain(v);
      } catch {
        return undefined;
      }
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
}
