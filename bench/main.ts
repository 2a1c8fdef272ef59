/**
 * `npm run bench`: reaction latency, memory, steady CPU, start-up, D-Bus traffic and the cost
 * of each input method, measured on the real `smallbms run` process on a simulated GX.
 * Prints a table and writes bench/results/latest.json. `--quick` shortens every phase.
 * See docs/performance.md.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedBroker } from '../service/src/demo/broker';
import { BenchGx, batteryTicker, type InputMethod } from './sim';
import { restartBench } from './restart';
import { deferred, procSample, round, sleep, stats, withTimeout, type Stats } from './lib';

const ROOT = path.resolve(__dirname, '..', '..');
/** The heap caps of service/run (the daemontools run script on the GX). */
const HEAP_FLAGS = '--max-old-space-size=48 --max-semi-space-size=2';
const PROD: NodeJS.ProcessEnv = { NODE_OPTIONS: HEAP_FLAGS };

interface Scripts {
  bundled: string;
  /** Our code bundled, node_modules loaded from disk (what `require` of each package costs). */
  modules: string;
  /** ts-node transpile-only on service/src/cli/main.ts (development path). */
  tsNode: { script: string; env: NodeJS.ProcessEnv };
}

interface Target {
  name: string;
  limit: string;
  value: string;
  pass: boolean;
  margin: string;
}

const results: Record<string, unknown> = {};
const targets: Target[] = [];
const rows: [string, string][] = [];

function row(name: string, value: string): void {
  rows.push([name, value]);
  process.stdout.write(`  ${name.padEnd(58)} ${value}\n`);
}

function fmtStats(s: Stats): string {
  return `median ${round(s.median)}  p99 ${round(s.p99)}  max ${round(s.max)} ms (n=${s.n})`;
}

// ---------------------------------------------------------------------------------------------
// 1. Reaction latency

interface LatencyResult {
  method: string;
  pollMs: number | null;
  debounceMs: number;
  relay: Stats;
  signal: Stats;
  relayMinusDebounce: Stats;
  timeouts: number;
}

async function latency(
  scripts: Scripts,
  method: InputMethod,
  debounceMs: number,
  changes: number,
): Promise<LatencyResult> {
  const b = await BenchGx.start({
    script: scripts.bundled,
    env: PROD,
    method,
    debounceMs,
    minOffTimeS: 0,
  });
  const relayT: number[] = [];
  const signalT: number[] = [];
  let timeouts = 0;
  try {
    const settled = await withTimeout(
      (async () => {
        while (b.relayState(2) !== 1) await sleep(10);
      })(),
      5000,
    );
    if (settled === null) throw new Error('charge relay never on at start');
    for (let i = 0; i < changes; i++) {
      const level: 0 | 1 = i % 2 === 0 ? 1 : 0; // 1 = contact open = charge not allowed
      const relayWant = level === 1 ? 0 : 1;
      const pollMs = method.kind === 'gpio' ? method.pollMs : 10;
      await sleep(Math.random() * pollMs + 5); // random phase against the poll tick
      const relay = deferred<number>();
      const signal = deferred<number>();
      b.relayListener = (w) => {
        if (w.relay === 2 && w.value === relayWant) relay.resolve(w.t);
      };
      b.signalListener = (s, t) => {
        if (s.member !== 'ItemsChanged') return;
        const items = s.body[0] as Record<string, { Value?: { value?: unknown } }>;
        const v = items['/Bms/Outputs/Charge']?.Value?.value;
        if (v === relayWant) signal.resolve(t);
      };
      const t0 = performance.now();
      b.setInput(2, level);
      const [tr, ts] = await Promise.all([
        withTimeout(relay.promise, 3000),
        withTimeout(signal.promise, 3000),
      ]);
      if (tr === null || ts === null) timeouts++;
      if (tr !== null) relayT.push(tr - t0);
      if (ts !== null) signalT.push(ts - t0);
    }
  } finally {
    b.relayListener = null;
    b.signalListener = null;
    await b.stop();
  }
  return {
    method: method.kind,
    pollMs: method.kind === 'gpio' ? method.pollMs : null,
    debounceMs,
    relay: stats(relayT),
    signal: stats(signalT),
    relayMinusDebounce: stats(relayT.map((t) => t - debounceMs)),
    timeouts,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Memory

async function bareNode(flags: string[] = []): Promise<{ pid: number; stop: () => void }> {
  const p = spawn(process.execPath, [...flags, '-e', 'setInterval(()=>{},1000)'], {
    stdio: 'ignore',
  });
  await sleep(1500);
  return { pid: p.pid ?? 0, stop: () => p.kill('SIGKILL') };
}

async function rssAfterStart(
  script: string,
  env: NodeJS.ProcessEnv = {},
  mqttUrl?: string,
): Promise<number> {
  // Settled: the value 3 s after the name is on D-Bus.
  const b = await BenchGx.start({ script, env, mqttUrl });
  try {
    await sleep(3000);
    return procSample(b.pid).rssKb;
  } finally {
    await b.stop();
  }
}

async function soak(scripts: Scripts, seconds: number): Promise<Record<string, unknown>> {
  const b = await BenchGx.start({
    script: scripts.bundled,
    env: PROD,
    method: { kind: 'gpio', pollMs: 20 },
    debounceMs: 0,
    minOffTimeS: 0,
  });
  const stopBattery = batteryTicker(b, 20);
  const samples: { s: number; rssMb: number }[] = [];
  let changes = 0;
  const levels: (0 | 1)[] = [0, 0, 0, 1, 0];
  const start = performance.now();
  const startRss = procSample(b.pid).rssKb;
  try {
    let nextSample = 0;
    while (performance.now() - start < seconds * 1000) {
      const input = 1 + Math.floor(Math.random() * 4);
      levels[input] = levels[input] === 0 ? 1 : 0;
      b.setInput(input, levels[input]);
      changes++;
      await sleep(50);
      const el = (performance.now() - start) / 1000;
      if (el >= nextSample) {
        samples.push({ s: Math.round(el), rssMb: round(procSample(b.pid).rssKb / 1024) });
        nextSample += Math.max(5, seconds / 8);
      }
    }
    const end = procSample(b.pid);
    samples.push({ s: seconds, rssMb: round(end.rssKb / 1024) });
    const events = (b.log().match(/"kind":/g) ?? []).length;
    return {
      seconds,
      lineChanges: changes,
      batteryUpdatesHz: 20,
      loggedEvents: events,
      startRssMb: round(startRss / 1024),
      endRssMb: round(end.rssKb / 1024),
      samples,
    };
  } finally {
    stopBattery();
    await b.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 3/5/6. Steady CPU per input method, D-Bus traffic

interface Variant {
  label: string;
  method: InputMethod;
}

async function steady(scripts: Scripts, windowS: number): Promise<Record<string, unknown>> {
  const variants: Variant[] = [
    { label: 'gpio 20 ms', method: { kind: 'gpio', pollMs: 20 } },
    { label: 'gpio 50 ms', method: { kind: 'gpio', pollMs: 50 } },
    { label: 'gpio 100 ms (default)', method: { kind: 'gpio', pollMs: 100 } },
    { label: 'gpio 250 ms', method: { kind: 'gpio', pollMs: 250 } },
    { label: 'digitalinput (D-Bus)', method: { kind: 'digitalinput' } },
  ];
  // All five at once, each on its own GX: per-process CPU time barely depends on the others.
  const gxs: BenchGx[] = [];
  const bare = await bareNode(HEAP_FLAGS.split(' '));
  const stoppers: (() => void)[] = [];
  try {
    for (const v of variants)
      gxs.push(await BenchGx.start({ script: scripts.bundled, env: PROD, method: v.method }));
    for (const b of gxs) stoppers.push(batteryTicker(b, 1));
    await sleep(5000); // warm-up: JIT, first measurements, publish
    const counts = gxs.map(() => new Map<string, number>());
    const foreign = gxs.map(() => 0);
    const signals = gxs.map(() => ({ ItemsChanged: 0, PropertiesChanged: 0, other: 0 }));
    gxs.forEach((b, i) => {
      b.signalListener = (s) => {
        if (s.sender !== b.uniqueName) {
          foreign[i]++;
          return;
        }
        const sig = signals[i];
        if (s.member === 'ItemsChanged' || s.member === 'PropertiesChanged') sig[s.member]++;
        else sig.other++;
        // Paths are counted once, from ItemsChanged (PropertiesChanged repeats them per path).
        if (s.member === 'PropertiesChanged') return;
        const keys =
          s.member === 'ItemsChanged'
            ? Object.keys(s.body[0] as Record<string, unknown>).map((p) => `ItemsChanged ${p}`)
            : [`${s.member} ${s.path}`];
        for (const k of keys) counts[i].set(k, (counts[i].get(k) ?? 0) + 1);
      };
    });
    const before = gxs.map((b) => procSample(b.pid));
    const bareBefore = procSample(bare.pid);
    const t0 = performance.now();
    await sleep(windowS * 1000);
    const wall = performance.now() - t0;
    const after = gxs.map((b) => procSample(b.pid));
    const bareAfter = procSample(bare.pid);
    const perMin = (a: number, b: number): number => ((b - a) * 60000) / wall;
    const out = variants.map((v, i) => {
      const msgs = [...counts[i].entries()].sort();
      const mirrored = msgs.filter(([k]) => / \/(Soc|Dc\/0\/\w+)$/.test(k));
      const other = msgs.filter(([k]) => !/ \/(Soc|Dc\/0\/\w+)$/.test(k));
      const sum = (l: [string, number][]): number => l.reduce((a, [, n]) => a + n, 0);
      return {
        label: v.label,
        cpuMsPerMin: round(perMin(before[i].cpuMs, after[i].cpuMs), 0),
        cpuPctOfCore: round(((after[i].cpuMs - before[i].cpuMs) / wall) * 100, 3),
        rssMb: round(after[i].rssKb / 1024),
        signalsPerMin: {
          ItemsChanged: round((signals[i].ItemsChanged * 60000) / wall, 0),
          PropertiesChanged: round((signals[i].PropertiesChanged * 60000) / wall, 0),
          otherSignals: round((signals[i].other * 60000) / wall, 0),
          mirroredPathChanges: round((sum(mirrored) * 60000) / wall, 0),
          otherPathChanges: round((sum(other) * 60000) / wall, 0),
        },
        otherPaths: Object.fromEntries(other),
        mirroredPaths: Object.fromEntries(mirrored),
        foreignSignals: foreign[i],
      };
    });
    return {
      windowS: round(wall / 1000),
      batteryHz: 1,
      debounceMs: 200,
      bareNodeCpuMsPerMin: round(perMin(bareBefore.cpuMs, bareAfter.cpuMs), 0),
      variants: out,
    };
  } finally {
    for (const s of stoppers) s();
    for (const b of gxs) await b.stop();
    bare.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Start-up

async function startup(
  script: string,
  env: NodeJS.ProcessEnv,
  runs: number,
): Promise<Record<string, Stats>> {
  const relay: number[] = [];
  const safeLog: number[] = [];
  const name: number[] = [];
  for (let i = 0; i < runs; i++) {
    const b = await BenchGx.start({ script, env, deferSpawn: true });
    try {
      b.spawn();
      let safeAt = 0;
      const end = performance.now() + 20000;
      while (performance.now() < end && (safeAt === 0 || b.nameOwnerAt === 0)) {
        if (safeAt === 0 && b.log().includes('protecting: outputs decided from the lines'))
          safeAt = performance.now();
        await sleep(2);
      }
      const first = b.relayWrites.find((w) => w.t >= b.spawnedAt);
      if (first) relay.push(first.t - b.spawnedAt);
      if (safeAt) safeLog.push(safeAt - b.spawnedAt);
      if (b.nameOwnerAt) name.push(b.nameOwnerAt - b.spawnedAt);
    } finally {
      await b.stop();
    }
  }
  return { firstRelayWrite: stats(relay), safeStateLog: stats(safeLog), nameOnDbus: stats(name) };
}

// ---------------------------------------------------------------------------------------------

function buildScripts(): Scripts {
  const bundled = process.env.SMALLBMS_BENCH_BUNDLE ?? path.join(ROOT, 'dist/smallbms.js');
  const dir = path.join(ROOT, 'bench/.build/modules');
  fs.mkdirSync(dir, { recursive: true });
  const modules = path.join(dir, 'smallbms.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { options } = require(path.join(ROOT, 'scripts/bundle.js')) as {
    options: (out: string) => Record<string, unknown>;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as { buildSync: (o: Record<string, unknown>) => void };
  esbuild.buildSync({ ...options(modules), packages: 'external' });
  return {
    bundled,
    modules,
    tsNode: {
      script: path.join(ROOT, 'service/src/cli/main.ts'),
      env: {
        NODE_OPTIONS: `-r ${require.resolve('ts-node/register/transpile-only')}`,
        TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
      },
    },
  };
}

function target(
  name: string,
  limit: number,
  value: number,
  unit: string,
  lowerIsBetter = true,
): void {
  const pass = lowerIsBetter ? value < limit : value > limit;
  const margin = limit - value;
  targets.push({
    name,
    limit: `< ${limit}${unit}`,
    value: `${round(value, 3)}${unit}`,
    pass,
    margin: `${margin >= 0 ? '+' : ''}${round(margin, 3)}${unit}${pass ? ' headroom' : ' over'}`,
  });
}

export async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const want = (s: string): boolean => !only || only.includes(s);
  const started = Date.now();
  const scripts = buildScripts();
  results.machine = {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavgAtStart: os.loadavg().map((l) => round(l, 2)),
    quick,
  };
  process.stdout.write(
    `smallbms bench (${quick ? 'quick' : 'full'}), node ${process.version}, ` +
      `${os.cpus().length} cpus, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  );

  if (want('latency')) {
    process.stdout.write(
      '\nReaction latency (input change → relay file / ItemsChanged /Bms/Outputs/Charge)\n',
    );
    const runs: [InputMethod, number, number][] = [
      [{ kind: 'gpio', pollMs: 20 }, 0, quick ? 60 : 200],
      [{ kind: 'gpio', pollMs: 100 }, 200, quick ? 30 : 100],
      [{ kind: 'digitalinput' }, 0, quick ? 60 : 200],
    ];
    const out: LatencyResult[] = [];
    for (const [m, d, n] of runs) {
      const r = await latency(scripts, m, d, n);
      out.push(r);
      const label = m.kind === 'gpio' ? `gpio poll ${m.pollMs} ms` : 'digitalinput signal';
      row(`${label}, debounce ${d} ms → relay file`, fmtStats(r.relay));
      row(`${label}, debounce ${d} ms → relay file minus debounce`, fmtStats(r.relayMinusDebounce));
      row(`${label}, debounce ${d} ms → ItemsChanged`, fmtStats(r.signal));
      if (r.timeouts) row(`${label}: changes without a reaction in 3 s`, String(r.timeouts));
      target(
        `reaction p99 minus debounce (${label}, debounce ${d})`,
        50,
        r.relayMinusDebounce.p99,
        ' ms',
      );
    }
    results.latency = out;
  }

  if (want('startup')) {
    process.stdout.write(
      '\nStart-up (spawn → first relay write / "outputs in the safe state" / name on D-Bus)\n',
    );
    const s: Record<string, unknown> = {};
    const variants: [string, string, NodeJS.ProcessEnv, number][] = [
      ['bundled', scripts.bundled, PROD, quick ? 3 : 7],
      ['node_modules unbundled', scripts.modules, PROD, quick ? 2 : 3],
      [
        'ts-node (dev)',
        scripts.tsNode.script,
        {
          ...scripts.tsNode.env,
          NODE_OPTIONS: `${HEAP_FLAGS} ${scripts.tsNode.env.NODE_OPTIONS ?? ''}`,
        },
        quick ? 1 : 2,
      ],
    ];
    for (const [label, script, env, runs] of variants) {
      const r = await startup(script, env, runs);
      s[label] = r;
      row(`${label}: first relay write`, fmtStats(r.firstRelayWrite));
      row(`${label}: safe-state log line`, fmtStats(r.safeStateLog));
      row(`${label}: name on D-Bus`, fmtStats(r.nameOnDbus));
    }
    results.startup = s;
    const b = s.bundled as Record<string, Stats>;
    target(
      'start-up to the safe state, bundled (median, log line)',
      1500,
      b.safeStateLog.median,
      ' ms',
    );
    target('start-up to the safe state, bundled (max, log line)', 1500, b.safeStateLog.max, ' ms');
  }

  if (want('memory')) {
    process.stdout.write(
      `\nResident memory (VmRSS); "GX flags" = ${HEAP_FLAGS} as in service/run\n`,
    );
    const bareRss = async (flags: string[]): Promise<number> => {
      const bare = await bareNode(flags);
      const kb = procSample(bare.pid).rssKb;
      bare.stop();
      return kb;
    };
    const bareKb = await bareRss(HEAP_FLAGS.split(' '));
    const bareDefaultKb = await bareRss([]);
    const bundledKb = await rssAfterStart(scripts.bundled, PROD);
    // MQTT on: connected to an embedded broker (aedes) in the bench process.
    const broker = await startEmbeddedBroker();
    const bundledMqttKb = await rssAfterStart(
      scripts.bundled,
      PROD,
      `mqtt://127.0.0.1:${broker.port}`,
    );
    await broker.stop();
    const bundledDefaultKb = await rssAfterStart(scripts.bundled);
    const modulesKb = await rssAfterStart(scripts.modules, PROD);
    const soakS = quick ? 30 : 120;
    const soaked = await soak(scripts, soakS);
    const mb = (kb: number): number => round(kb / 1024);
    const ratio = (kb: number, base = bareKb): string => `${round(kb / base, 2)}×`;
    const endKb = (soaked.endRssMb as number) * 1024;
    results.memory = {
      heapFlags: HEAP_FLAGS,
      bareNodeMb: mb(bareKb),
      bareNodeDefaultFlagsMb: mb(bareDefaultKb),
      bundledAfterStartMb: mb(bundledKb),
      bundledMqttAfterStartMb: mb(bundledMqttKb),
      bundledDefaultFlagsAfterStartMb: mb(bundledDefaultKb),
      modulesAfterStartMb: mb(modulesKb),
      ratioBundledAfterStart: round(bundledKb / bareKb, 3),
      ratioBundledMqttAfterStart: round(bundledMqttKb / bareKb, 3),
      ratioBundledDefaultFlags: round(bundledDefaultKb / bareDefaultKb, 3),
      ratioModulesAfterStart: round(modulesKb / bareKb, 3),
      soak: soaked,
      ratioAfterSoak: round(endKb / bareKb, 3),
    };
    row('bare node -e "setInterval(()=>{},1000)", GX flags', `${mb(bareKb)} MB`);
    row('bare node, default flags', `${mb(bareDefaultKb)} MB`);
    row(
      'service bundled, GX flags, 3 s after start (MQTT off)',
      `${mb(bundledKb)} MB (${ratio(bundledKb)})`,
    );
    row(
      'service bundled, GX flags, 3 s after start, MQTT on',
      `${mb(bundledMqttKb)} MB (${ratio(bundledMqttKb)})`,
    );
    row(
      'service bundled, default flags, 3 s after start',
      `${mb(bundledDefaultKb)} MB (${ratio(bundledDefaultKb, bareDefaultKb)} of bare default)`,
    );
    row(
      'service node_modules unbundled, GX flags, after start',
      `${mb(modulesKb)} MB (${ratio(modulesKb)})`,
    );
    row(
      `service bundled, GX flags, ${soakS} s soak (20 changes/s, 20 Hz monitor)`,
      `${soaked.startRssMb} → ${soaked.endRssMb} MB (${ratio(endKb)}), ${soaked.lineChanges as number} changes`,
    );
    target('memory after start / bare node (bundled, GX flags)', 1.35, bundledKb / bareKb, '×');
    target('memory after start, MQTT on / bare node', 1.35, bundledMqttKb / bareKb, '×');
    target('memory after soak / bare node (bundled, GX flags)', 1.35, endKb / bareKb, '×');
  }

  if (want('steady')) {
    const windowS = quick ? 20 : 60;
    process.stdout.write(
      `\nSteady state (${windowS} s window, 4 lines, debounce 200 ms, monitor 1 Hz; 5 services at once)\n`,
    );
    const s = await steady(scripts, windowS);
    results.steady = s;
    row(
      'bare node (setInterval 1 s), same window',
      `${s.bareNodeCpuMsPerMin as number} ms CPU/min`,
    );
    const vs = s.variants as {
      label: string;
      cpuMsPerMin: number;
      cpuPctOfCore: number;
      signalsPerMin: Record<string, number>;
      otherPaths: Record<string, number>;
    }[];
    for (const v of vs) {
      row(`${v.label}: CPU`, `${v.cpuMsPerMin} ms/min = ${v.cpuPctOfCore} % of a core`);
      row(
        `${v.label}: our signals/min`,
        `${v.signalsPerMin.mirroredPathChanges} mirrored path changes, ${v.signalsPerMin.otherPathChanges} other`,
      );
    }
    const def = vs.find((v) => v.label.includes('default'));
    if (def) {
      target('steady CPU, gpio 100 ms (% of one core)', 0.5, def.cpuPctOfCore, ' %');
      target(
        'D-Bus path changes/min other than mirrored measurements',
        0.5,
        def.signalsPerMin.otherPathChanges,
        '',
      );
      if (def.signalsPerMin.otherPathChanges > 0)
        row('  unexpected paths', JSON.stringify(def.otherPaths));
    }
    const di = vs.find((v) => v.label.startsWith('digitalinput'));
    if (di) target('steady CPU, digitalinput (% of one core)', 0.5, di.cpuPctOfCore, ' %');
  }

  if (want('restart'))
    results.restart = await restartBench({ quick, script: scripts.bundled, row, target });
  results.targets = targets;
  results.durationS = Math.round((Date.now() - started) / 1000);
  results.loadavgAtEnd = os.loadavg().map((l) => round(l, 2));
  process.stdout.write('\nTargets\n');
  for (const t of targets) {
    process.stdout.write(
      `  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(62)} ${t.value.padStart(10)} ${t.limit.padEnd(10)} ${t.margin}\n`,
    );
  }
  const out = path.join(ROOT, 'bench/results/latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `\nwrote ${path.relative(process.cwd(), out)} in ${results.durationS as number} s\n`,
  );
  return 0;
}
