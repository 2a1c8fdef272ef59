/**
 * The processes of the ARM bench (main.ts runs the rounds): a bare node and the service in
 * each scenario, under qemu or natively, each on its own simulated GX for the service, with
 * the readings taken from /proc (guest pages only, for qemu).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EmbeddedBroker } from '../../service/src/demo/broker';
import { DummyService } from '../../service/src/sim/dummy-service';
import { BenchGx, batteryTicker } from '../sim';
import { sleep, round } from '../lib';
import { cleanEnv, commandLine, type Runner } from './emulator';
import { currentRunFlags } from '../scripts';
import { cpuMsOf, parseSmaps, parseStat, parseVmRssKb, splitGuestRss } from './proc';

export const ROOT = path.resolve(__dirname, '..', '..');
/** 0.1.0's service/run: the heap caps only. */
export const HEAP_FLAGS = ['--max-old-space-size=48', '--max-semi-space-size=2'];
/** The current service/run: its node flags (--lite-mode …) and variables (MALLOC_ARENA_MAX). */
export const RUN = currentRunFlags();
/** The 0.1.0 release (git commit), measured with --baseline. */
export const RELEASE_0_1_0 = '13612d9';
/** The start log line: 0.2.0's first decision, or 0.1.0's safe state. */
export const START_LOGS = [
  'protecting: outputs decided from the lines',
  'outputs in the safe state',
];

export type Scenario = 'idle' | 'gpio' | 'gx';

export const SCENARIOS: Record<Scenario, string> = {
  idle: 'idle: 4 lines via digitalinput, monitor silent, MQTT off',
  gpio: 'the same with the default config: 4 gpio lines polled at 100 ms',
  gx: 'GX-like: monitor 1 Hz (4 paths), 120 unrelated BusItem signals/s, MQTT on',
};

export interface Variant {
  label: string;
  runner: Runner;
  kind: 'bare' | 'service';
  /** The service's bundle (kind "service"). */
  script?: string;
  scenario?: Scenario;
  /** "current" or the baseline's name. */
  build?: string;
}

export interface Started {
  pid: number;
  /** spawn → "up" on stdout (bare), spawn → name on D-Bus (service). */
  startMs: number;
  /** spawn → the "outputs in the safe state" log line (service). */
  safeMs: number;
  /** CPU time (utime + stime) used by then: the start-up's cost, less sensitive to load. */
  startCpuMs: number;
  stop: () => Promise<void>;
}

export interface Sample {
  startMs: number;
  safeMs: number;
  startCpuMs: number;
  cpuPct: number;
  rssMb: number;
  /** The guest's own share of rssMb (all of it natively); NaN when unknown. */
  guestMb: number;
}

/** RSS of the guest alone (under qemu: the low 4 GB window; natively: all of it), in kB. */
export function guestRssKb(pid: number, runner: Runner, rssKb: number): number {
  if (runner.file === runner.node) return rssKb;
  const split = splitGuestRss(
    parseSmaps(fs.readFileSync(`/proc/${pid}/smaps`, 'utf8')),
    runner.node,
  );
  return split ? split.guestKb : NaN;
}

export function procNow(pid: number): { cpuMs: number; rssKb: number } {
  const stat = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return {
    cpuMs: cpuMsOf(stat),
    rssKb: parseVmRssKb(fs.readFileSync(`/proc/${pid}/status`, 'utf8')),
  };
}

export async function waitFor(
  probe: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(5);
  }
}

export async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await Promise.race([gone, sleep(5000)]);
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/** A node that only waits, with the GX flags: the baseline of every ratio. */
export async function startBare(runner: Runner, timeoutMs: number): Promise<Started> {
  const { file, args } = commandLine(runner, [
    ...RUN.flags,
    '-e',
    "process.stdout.write('up\\n');setInterval(()=>{},1000)",
  ]);
  const t0 = performance.now();
  const p = spawn(file, args, { env: cleanEnv(RUN.env), stdio: ['ignore', 'pipe', 'inherit'] });
  let upAt = 0;
  p.stdout?.on('data', (d: Buffer) => {
    if (upAt === 0 && d.toString().includes('up')) upAt = performance.now();
  });
  await waitFor(() => upAt > 0 || p.exitCode !== null, timeoutMs, `bare node (${runner.name})`);
  if (upAt === 0) throw new Error(`bare node (${runner.name}) exited with ${p.exitCode}`);
  const pid = p.pid ?? 0;
  return {
    pid,
    startMs: upAt - t0,
    safeMs: NaN,
    startCpuMs: procNow(pid).cpuMs,
    stop: () => kill(p),
  };
}

/** Unrelated BusItem traffic: a Multi, two solar chargers and a PV inverter at 10 Hz each. */
export async function background(address: string): Promise<() => Promise<void>> {
  const names = [
    'com.victronenergy.vebus.ttyS4',
    'com.victronenergy.solarcharger.ttyS5',
    'com.victronenergy.solarcharger.ttyS6',
    'com.victronenergy.pvinverter.cgwacs_ttyUSB0_mb1',
  ];
  const services = names.map(
    (name, i) =>
      new DummyService({
        address,
        name,
        mandatory: { deviceInstance: 200 + i },
        paths: {
          '/Dc/0/Voltage': { type: 'd', value: 13.2 },
          '/Dc/0/Current': { type: 'd', value: 0 },
        },
      }),
  );
  for (const s of services) await s.start();
  let n = 0;
  // Each tick: one ItemsChanged + one PropertiesChanged per path = 3 signals per service.
  const timers = services.map((s) =>
    setInterval(() => {
      n++;
      s.setMany({
        '/Dc/0/Voltage': round(13.2 + Math.sin(n / 7) * 0.1, 2),
        '/Dc/0/Current': round(Math.cos(n / 5) * 10, 1),
      });
    }, 100),
  );
  return async () => {
    for (const t of timers) clearInterval(t);
    for (const s of services) await s.stop().catch(() => undefined);
  };
}

/** The service as `smallbms run` (service/run's command line) on its own simulated GX. */
export async function startService(
  runner: Runner,
  script: string,
  scenario: Scenario,
  broker: EmbeddedBroker,
  timeoutMs: number,
): Promise<Started> {
  const b = await BenchGx.start({
    script,
    method: scenario === 'gpio' ? { kind: 'gpio', pollMs: 100 } : { kind: 'digitalinput' },
    deferSpawn: true,
    mqttUrl: scenario === 'gx' ? `mqtt://127.0.0.1:${broker.port}` : undefined,
  });
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.reverse()) await s();
    if (b.proc) await kill(b.proc);
    await b.stop();
  };
  try {
    // Each build with the flags of its own run script: 0.1.0 had the heap caps only.
    const run = script.includes('baseline-') ? { flags: HEAP_FLAGS, env: {} } : RUN;
    const { file, args } = commandLine(runner, [
      ...run.flags,
      script,
      'run',
      '--config',
      b.gx.configFile,
    ]);
    const log = fs.openSync(path.join(b.root, 'service.log'), 'a');
    b.spawnedAt = performance.now();
    b.proc = spawn(file, args, {
      env: cleanEnv({
        ...run.env,
        DBUS_SYSTEM_BUS_ADDRESS: b.gx.address ?? '',
        SMALLBMS_PORTAL_ID: 'simgx',
      }),
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    let safeAt = 0;
    await waitFor(
      () => {
        if (safeAt === 0 && START_LOGS.some((l) => b.log().includes(l))) safeAt = performance.now();
        if (b.proc && b.proc.exitCode !== null)
          throw new Error(`service exited:\n${b.log().slice(-2000)}`);
        return safeAt > 0 && b.nameOwnerAt > 0;
      },
      timeoutMs,
      `service (${runner.name}, ${scenario}) up; log:\n${b.log().slice(-1000)}`,
    );
    const startCpuMs = procNow(b.pid).cpuMs;
    if (scenario === 'gx') {
      stops.push(batteryTicker(b, 1));
      stops.push(await background(b.gx.address ?? ''));
    }
    return {
      pid: b.pid,
      startMs: b.nameOwnerAt - b.spawnedAt,
      safeMs: safeAt - b.spawnedAt,
      startCpuMs,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
