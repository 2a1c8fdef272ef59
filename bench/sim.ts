/**
 * One simulated GX with the real service for the bench: the stand-ins run in this process,
 * the service is `smallbms run` spawned through SimGx.spawnService. Hooks timestamp what the
 * bench measures (relay writes in the systemcalc stand-in, our signals, the name owner).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { batteryServiceName } from '../service/src/config/problem';
import { DigitalInputStandIn } from '../service/src/sim/digitalinput';
import { SimGx } from '../service/src/sim/gx';
import { connectBus, type Bus, type BusSignal } from '../service/src/venus/bus';
import type { ItemValue } from '../service/src/venus/busitem';
import { sleep, until } from './lib';
import { serviceNode } from '../test/helpers/runtime';

export const SERVICE = batteryServiceName('Default');
const BUSITEM = 'com.victronenergy.BusItem';

export type InputMethod = { kind: 'gpio'; pollMs: number } | { kind: 'digitalinput' };

export interface BenchGxOptions {
  /** The entry given to spawnService (bundle, or main.ts with ts-node in NODE_OPTIONS). */
  script: string;
  env?: NodeJS.ProcessEnv;
  method?: InputMethod;
  debounceMs?: number;
  minOffTimeS?: number;
  /** Do not spawn the service (start() then spawns). */
  deferSpawn?: boolean;
  /** MQTT broker URL for the service (default: MQTT off). */
  mqttUrl?: string;
  /** Node flags before the script (service/run's; some are refused in NODE_OPTIONS). */
  nodeFlags?: string[];
  /** Change the config after the bench's own edits. */
  editConfig?: (config: Record<string, unknown>) => void;
  /** More services on the bus before the service starts; returns how to stop them. */
  setup?: (gx: SimGx) => Promise<() => Promise<void>>;
}

export interface RelayWrite {
  t: number;
  relay: number;
  value: number;
}

export class BenchGx {
  proc: ChildProcess | null = null;
  spawnedAt = 0;
  nameOwnerAt = 0;
  uniqueName = '';
  readonly relayWrites: RelayWrite[] = [];
  readonly inputs: DigitalInputStandIn[] = [];
  relayListener: ((w: RelayWrite) => void) | null = null;
  signalListener: ((s: BusSignal, t: number) => void) | null = null;
  private teardown: (() => Promise<void>) | null = null;

  private constructor(
    readonly gx: SimGx,
    readonly bus: Bus,
    readonly root: string,
    private readonly o: BenchGxOptions,
  ) {}

  static async start(o: BenchGxOptions): Promise<BenchGx> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-bench-'));
    const method = o.method ?? { kind: 'gpio', pollMs: 100 };
    const gx = await SimGx.start({
      root,
      dbus: true,
      node: serviceNode(),
      mqttUrl: o.mqttUrl,
      editConfig: (c) => {
        const lines = c.lines as Record<string, Record<string, unknown>>;
        for (const line of Object.values(lines)) {
          const input = (line.source as { input: number }).input;
          line.source =
            method.kind === 'gpio'
              ? { type: 'gpio', input, pollMs: method.pollMs }
              : { type: 'digitalinput', input };
          if (o.debounceMs === undefined) delete line.debounceMs;
          else line.debounceMs = o.debounceMs;
        }
        if (o.minOffTimeS !== undefined) c.tunables = { minOffTimeS: o.minOffTimeS };
        o.editConfig?.(c);
      },
    });
    const bus = await connectBus(gx.address ?? undefined);
    const b = new BenchGx(gx, bus, root, o);
    if (o.setup) b.teardown = await o.setup(gx);
    if (method.kind === 'digitalinput') {
      for (let input = 1; input <= 4; input++) {
        const di = new DigitalInputStandIn({
          address: gx.address ?? '',
          input,
          inputState: input === 3 ? 1 : 0,
        });
        await di.start();
        b.inputs.push(di);
      }
    }
    // Timestamp every relay write the systemcalc stand-in receives (it writes the file first).
    const sc = gx.systemcalc as unknown as { written(p: string, v: ItemValue): void };
    const original = sc.written.bind(sc);
    sc.written = (p: string, v: ItemValue): void => {
      original(p, v);
      const m = /^\/Relay\/(\d+)\/State$/.exec(p);
      if (!m || typeof v !== 'number') return;
      const w = { t: performance.now(), relay: Number(m[1]) + 1, value: v };
      b.relayWrites.push(w);
      b.relayListener?.(w);
    };
    bus.onSignal((s) => {
      const t = performance.now();
      if (s.member === 'NameOwnerChanged' && s.body[0] === SERVICE && s.body[2]) {
        b.nameOwnerAt = t;
        b.uniqueName = String(s.body[2]);
      }
      b.signalListener?.(s, t);
    });
    await bus.addMatch(
      `type='signal',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${SERVICE}'`,
    );
    await bus.addMatch(`type='signal',sender='${SERVICE}',interface='${BUSITEM}'`);
    if (!o.deferSpawn) {
      b.spawn();
      await b.ready();
    }
    return b;
  }

  spawn(): void {
    this.spawnedAt = performance.now();
    const flags = this.o.nodeFlags ?? [];
    if (flags.length === 0) {
      this.proc = this.gx.spawnService(this.o.script, [], this.o.env ?? {});
      return;
    }
    // As SimGx.spawnService, with node flags in front of the script.
    const log = fs.openSync(path.join(this.root, 'service.log'), 'a');
    this.proc = spawn(
      this.gx.node,
      [...flags, this.o.script, 'run', '--config', this.gx.configFile],
      {
        env: {
          ...process.env,
          DBUS_SYSTEM_BUS_ADDRESS: this.gx.address ?? 'unix:path=/nonexistent',
          SMALLBMS_PORTAL_ID: 'simgx',
          ...this.o.env,
        },
        stdio: ['ignore', log, log],
      },
    );
    fs.closeSync(log);
  }

  get pid(): number {
    const pid = this.proc?.pid;
    if (pid === undefined) throw new Error('service not running');
    return pid;
  }

  log(): string {
    const f = path.join(this.root, 'service.log');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
  }

  /** Resolves when the service holds its name and has published the charge output. */
  async ready(timeoutMs = 15000): Promise<void> {
    const ok = await until(() => (this.nameOwnerAt > 0 ? true : null), timeoutMs, 5);
    if (!ok) throw new Error(`service did not come up; log:\n${this.log().slice(-2000)}`);
    await sleep(300);
  }

  relayState(relay: number): ItemValue {
    return this.gx.systemcalc?.relayState(relay - 1) ?? null;
  }

  /** Drive an input line: the sysfs file (gpio) or the digital-input service. */
  setInput(input: number, level: 0 | 1): void {
    if (this.inputs.length > 0) this.inputs[input - 1].setInput(level);
    else this.gx.board.setInput(input, level);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    for (const di of this.inputs) await di.stop().catch(() => undefined);
    await this.teardown?.().catch(() => undefined);
    this.bus.disconnect();
    await this.gx.stop();
    // SMALLBMS_BENCH_KEEP_LOGS=<dir>: keep each service's log (e.g. --trace-gc output).
    const keep = process.env.SMALLBMS_BENCH_KEEP_LOGS;
    if (keep && fs.existsSync(path.join(this.root, 'service.log'))) {
      fs.mkdirSync(keep, { recursive: true });
      fs.copyFileSync(
        path.join(this.root, 'service.log'),
        path.join(keep, `${path.basename(this.root)}-${this.proc?.pid ?? 0}.log`),
      );
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** A monitor that changes a little every tick, as a SmartShunt does. */
export function batteryTicker(b: BenchGx, hz: number): () => void {
  let soc = 80;
  const timer = setInterval(() => {
    soc = Math.max(20, Math.min(99, soc + (Math.random() - 0.5) * 0.2));
    b.gx.battery?.reading({
      soc: Math.round(soc * 10) / 10,
      voltage: Math.round((13.1 + (Math.random() - 0.5) * 0.1) * 100) / 100,
      current: Math.round((-5 + (Math.random() - 0.5) * 2) * 10) / 10,
    });
  }, 1000 / hz);
  return () => clearInterval(timer);
}
