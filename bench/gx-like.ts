/**
 * The GX-like scenario of issue 13: what the service costs on a busy GX, side by side with a
 * bare Node and the 0.1.0 release in the same run.
 *
 * Each variant runs on its own simulated GX (own dbus-daemon, own MQTT broker):
 * - a SmartShunt-like monitor (com.victronenergy.battery.ttyS5, ~20 paths) changing about
 *   9–10 paths a second in two ItemsChanged batches (V, I, P every 0.5 s; Ah, TTG, midpoint
 *   every second; SoC and temperature every 5 s). It sends ItemsChanged only, as Victron's
 *   exporters do (veutil's C++ exporter, velib's `with service as s:`; velib's plain
 *   assignment sends PropertiesChanged only: no Victron exporter sends both for a change).
 *   `--gxlike-monitor=both`: ItemsChanged and a PropertiesChanged per path, as our own
 *   exporter does (twice the messages; the pessimistic case);
 * - background BusItem traffic from a Multi (vebus), two solar chargers and systemcalc,
 *   ~105 signals/s (ItemsChanged + PropertiesChanged, as velib's exporters send them);
 * - the four BMS lines through the digital-input service (dbus-digitalinputs stand-ins);
 * - MQTT on (embedded aedes broker);
 * - the environment of a daemontools start (NODE_EXTRA_CA_CERTS, NODE_OPTIONS... unset) and
 *   each build's own service/run flags.
 * CPU is utime+stime from /proc over minutes 3–5 (after the JIT settled), also per 30 s slice
 * (the median of the slices is the robust figure on a shared machine); RSS at 5 minutes.
 * `--quick`: 30 s warm-up and a 60 s window in 15 s slices, for iteration only.
 * `--gxlike-minutes=N`: keep the run going to N minutes and sample RSS all along (flatness).
 * `--gxlike-profile=<flags>`: extra node flags for the current build, comma-separated (e.g.
 * `--cpu-prof,--cpu-prof-dir=/tmp/prof`), to profile it under this load.
 * `--gxlike-flags=<a>;<b>;...`: instead of the release comparison, the current build once per
 * set of runtime options (comma-separated node flags and NAME=value variables, e.g.
 * `--max-semi-space-size=1,MALLOC_ARENA_MAX=2`; `-` = service/run as is), each with background:
 * how the flags in service/run were chosen.
 */
import { releaseBuild, type Release } from './baseline';
import { type Build, type Running, startVariant, type Variant } from './gx-scenario';
import { procSample, round, rssParts, sleep, stats, type ProcSample } from './lib';
import { bareNode, cleanEnv, currentRunFlags, type RunFlags } from './scripts';
import type { Bench } from './types';

const MIRRORED = /^\/(Soc|Dc\/0\/\w+)$/;

/** The comparison of issue 13: the release and the current build, with and without background. */
export function releaseVariants(release: Release, current: Build): Variant[] {
  return [
    { label: `${release.label} release`, build: release, background: true },
    { label: 'current', build: current, background: true },
    { label: `${release.label} release, no background`, build: release, background: false },
    { label: 'current, no background', build: current, background: false },
  ];
}

/** The current build with other runtime options (see `--gxlike-flags`). */
export function flagVariants(current: Build, sets: string[]): Variant[] {
  return sets.map((set) => {
    const run: RunFlags = { flags: [...current.run.flags], env: { ...current.run.env } };
    if (set !== '-') {
      for (const opt of set.split(',').filter(Boolean)) {
        const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(opt);
        if (m) run.env[m[1]] = m[2];
        else {
          const name = opt.split('=')[0];
          run.flags = run.flags.filter((f) => f.split('=')[0] !== name);
          run.flags.push(opt);
        }
      }
    }
    return { label: set, build: { ...current, run }, background: true };
  });
}

/** Smallest and largest of a series of kB figures, in MB. */
function minMax(kb: number[]): [number, number] | null {
  if (kb.length === 0) return null;
  return [round(Math.min(...kb) / 1024, 1), round(Math.max(...kb) / 1024, 1)];
}

export async function gxLike(
  variants: Variant[],
  current: Build,
  o: {
    warmS: number;
    windowS: number;
    sliceS: number;
    totalS: number;
    monitorStyle: 'both' | 'items';
  },
): Promise<Record<string, unknown>> {
  const bare = await bareNode(current.run.flags, { ...cleanEnv(), ...current.run.env }, 0);
  const running: Running[] = [];
  try {
    for (const v of variants) running.push(await startVariant(v, o.monitorStyle));
    const t0 = performance.now();
    const pids = [bare.pid, ...running.map((r) => r.gx.pid)];
    const samples: { t: number; p: ProcSample[] }[] = [];
    const sample = (): void => {
      samples.push({ t: (performance.now() - t0) / 1000, p: pids.map((p) => procSample(p)) });
    };
    sample();
    const marks: number[] = [];
    for (let t = o.sliceS; t <= o.totalS + 1e-9; t += o.sliceS) marks.push(t);
    type Counts = { bg: number[]; own: Running['own'][] };
    const counts = (): Counts => ({
      bg: running.map((r) => r.counters.background.reduce((a, t) => a + t.signals, 0)),
      own: running.map((r) => ({ ...r.own, paths: new Map(r.own.paths) })),
    });
    // Signal counts at both ends of the CPU window (the run may go on for the RSS series).
    let atWarm: Counts | null = null;
    let atEnd: Counts | null = null;
    let parts: ReturnType<typeof rssParts>[] = [];
    for (const m of marks) {
      await sleep(Math.max(0, m * 1000 - (performance.now() - t0)));
      sample();
      if (Math.abs(m - o.warmS) < 1e-6) atWarm = counts();
      if (Math.abs(m - (o.warmS + o.windowS)) < 1e-6) {
        atEnd = counts();
        parts = pids.map((p) => rssParts(p));
      }
    }
    if (!atWarm || !atEnd) throw new Error('window marks missing');
    const end = atEnd;
    const endWindow = samples.find((s) => Math.abs(s.t - (o.warmS + o.windowS)) < o.sliceS / 2);
    const startWindow = samples.find((s) => Math.abs(s.t - o.warmS) < o.sliceS / 2);
    if (!endWindow || !startWindow) throw new Error('window samples missing');
    const wallS = endWindow.t - startWindow.t;
    const windowBg = running.map((_, k) => end.bg[k] - (atWarm?.bg[k] ?? 0));
    const inWindow = samples.filter((s) => s.t >= startWindow.t - 1e-6 && s.t <= endWindow.t);
    const pct = (k: number): { total: number; sliceMedian: number; slices: number[] } => {
      const slices: number[] = [];
      for (let j = 1; j < inWindow.length; j++) {
        const a = inWindow[j - 1];
        const b = inWindow[j];
        slices.push(((b.p[k].cpuMs - a.p[k].cpuMs) / ((b.t - a.t) * 1000)) * 100);
      }
      return {
        total: ((endWindow.p[k].cpuMs - startWindow.p[k].cpuMs) / (wallS * 1000)) * 100,
        sliceMedian: stats(slices).median,
        slices: slices.map((s) => round(s, 3)),
      };
    };
    const bareCpu = pct(0);
    const at5 = endWindow;
    const out = running.map((r, k) => {
      const cpu = pct(k + 1);
      const own0 = atWarm?.own[k];
      const own1 = end.own[k];
      const ownPaths = [...own1.paths.entries()].map(
        ([p, n]) => [p, n - (own0?.paths.get(p) ?? 0)] as [string, number],
      );
      const perMin = (n: number): number => round((n * 60) / wallS, 0);
      return {
        label: r.variant.label,
        commit: 'commit' in r.variant.build ? (r.variant.build as Release).commit : 'worktree',
        nodeFlags: r.variant.build.run.flags,
        env: r.variant.build.run.env,
        background: r.variant.background,
        backgroundSignalsPerS: round(windowBg[k] / wallS, 1),
        monitorPathChangesPerS: round(
          (r.counters.monitor?.pathChanges ?? 0) / (samples[samples.length - 1].t || 1),
          1,
        ),
        cpuPct: round(cpu.total, 3),
        cpuPctSliceMedian: round(cpu.sliceMedian, 3),
        cpuSlices: cpu.slices,
        rssMbAt5Min: round(at5.p[k + 1].rssKb / 1024, 1),
        rssMbAtEnd: round(samples[samples.length - 1].p[k + 1].rssKb / 1024, 1),
        rssFileMbAt5Min: round(parts[k + 1].fileKb / 1024, 1),
        rssAnonMbAt5Min: round(parts[k + 1].anonKb / 1024, 1),
        rssMbAfter1Min: minMax(samples.filter((s) => s.t >= 60).map((s) => s.p[k + 1].rssKb)),
        rssMbSeries: samples
          .filter((_, j) => j % Math.max(1, Math.round(60 / o.sliceS)) === 0)
          .map((s) => [round(s.t, 0), round(s.p[k + 1].rssKb / 1024, 1)]),
        ownSignalsPerMin: {
          ItemsChanged: perMin(own1.ItemsChanged - (own0?.ItemsChanged ?? 0)),
          PropertiesChanged: perMin(own1.PropertiesChanged - (own0?.PropertiesChanged ?? 0)),
          mirroredPathChanges: perMin(
            ownPaths.filter(([p]) => MIRRORED.test(p)).reduce((a, [, n]) => a + n, 0),
          ),
          otherPathChanges: perMin(
            ownPaths.filter(([p]) => !MIRRORED.test(p)).reduce((a, [, n]) => a + n, 0),
          ),
        },
        otherPaths: Object.fromEntries(ownPaths.filter(([p, n]) => !MIRRORED.test(p) && n > 0)),
      };
    });
    return {
      warmS: o.warmS,
      monitorStyle: o.monitorStyle,
      windowS: round(wallS, 1),
      sliceS: o.sliceS,
      totalS: o.totalS,
      bare: {
        nodeFlags: current.run.flags,
        cpuPct: round(bareCpu.total, 3),
        cpuPctSliceMedian: round(bareCpu.sliceMedian, 3),
        rssMbAt5Min: round(at5.p[0].rssKb / 1024, 1),
        rssMbAtEnd: round(samples[samples.length - 1].p[0].rssKb / 1024, 1),
        rssFileMbAt5Min: round(parts[0].fileKb / 1024, 1),
        rssAnonMbAt5Min: round(parts[0].anonKb / 1024, 1),
      },
      variants: out,
    };
  } finally {
    for (const r of running) {
      await r.gx.stop().catch(() => undefined);
      await r.stopBroker().catch(() => undefined);
    }
    bare.stop();
  }
}

export const gxLikeBench: Bench = {
  name: 'gxlike',
  inDefault: true,
  async run({ scripts, quick, argv, report }) {
    const minutes = Number(argv.find((a) => a.startsWith('--gxlike-minutes='))?.slice(17) ?? 0);
    const monitorStyle = argv.includes('--gxlike-monitor=both') ? 'both' : 'items';
    const o = {
      ...(quick
        ? { warmS: 30, windowS: 60, sliceS: 15, totalS: 90 }
        : { warmS: 180, windowS: 120, sliceS: 30, totalS: 300 }),
      monitorStyle: monitorStyle as 'both' | 'items',
    };
    if (minutes * 60 > o.totalS) o.totalS = Math.ceil((minutes * 60) / o.sliceS) * o.sliceS;
    const release = releaseBuild();
    const run = currentRunFlags();
    const extra = argv.find((a) => a.startsWith('--gxlike-profile='))?.slice(17);
    if (extra) run.flags.push(...extra.split(','));
    const current: Build = { label: 'current', bundle: scripts.bundled, run };
    report.heading(
      `GX-like (SmartShunt-like monitor ~9.4 paths/s sending ${monitorStyle === 'both' ? 'ItemsChanged + PropertiesChanged' : 'ItemsChanged'}, ~105 background signals/s, lines via ` +
        `digitalinput, MQTT on; CPU over ${o.warmS}–${o.warmS + o.windowS} s` +
        `${quick ? ' (--quick)' : ''}, RSS at ${o.warmS + o.windowS} s)`,
    );
    const flagSets = argv.find((a) => a.startsWith('--gxlike-flags='))?.slice(15);
    if (flagSets) {
      const r = await gxLike(flagVariants(current, flagSets.split(';')), current, o);
      report.results.gxlikeFlags = r;
      const bareRss = (r.bare as { rssMbAt5Min: number }).rssMbAt5Min;
      for (const v of r.variants as {
        label: string;
        cpuPct: number;
        cpuPctSliceMedian: number;
        rssMbAt5Min: number;
      }[]) {
        report.row(
          v.label,
          `CPU ${v.cpuPct} % (slices median ${v.cpuPctSliceMedian}), RSS ${v.rssMbAt5Min} MB (${round(v.rssMbAt5Min / bareRss, 2)}×)`,
        );
      }
      return;
    }
    const r = await gxLike(releaseVariants(release, current), current, o);
    report.results.gxlike = r;
    const bare = r.bare as {
      cpuPct: number;
      cpuPctSliceMedian: number;
      rssMbAt5Min: number;
      rssFileMbAt5Min: number;
      rssAnonMbAt5Min: number;
    };
    type V = {
      label: string;
      cpuPct: number;
      cpuPctSliceMedian: number;
      rssMbAt5Min: number;
      rssMbAtEnd: number;
      rssFileMbAt5Min: number;
      rssAnonMbAt5Min: number;
      rssMbAfter1Min: [number, number] | null;
      backgroundSignalsPerS: number;
      ownSignalsPerMin: Record<string, number>;
    };
    const vs = r.variants as V[];
    report.row(
      'bare node (service/run flags)',
      `CPU ${bare.cpuPct} % (slices median ${bare.cpuPctSliceMedian}), RSS ${bare.rssMbAt5Min} MB ` +
        `(files ${bare.rssFileMbAt5Min}, own ${bare.rssAnonMbAt5Min})`,
    );
    for (const v of vs) {
      report.row(
        v.label,
        `CPU ${v.cpuPct} % (slices median ${v.cpuPctSliceMedian}), RSS ${v.rssMbAt5Min} MB ` +
          `(${round(v.rssMbAt5Min / bare.rssMbAt5Min, 2)}×; files ${v.rssFileMbAt5Min}, own ${v.rssAnonMbAt5Min}), ` +
          `end ${v.rssMbAtEnd} MB` +
          (v.rssMbAfter1Min
            ? `, after 1 min ${v.rssMbAfter1Min[0]}–${v.rssMbAfter1Min[1]} MB`
            : ''),
      );
      report.row(
        `  ${v.label}: our signals/min`,
        `${v.ownSignalsPerMin.ItemsChanged} ItemsChanged, ${v.ownSignalsPerMin.PropertiesChanged} PropertiesChanged; ` +
          `${v.ownSignalsPerMin.mirroredPathChanges} mirrored, ${v.ownSignalsPerMin.otherPathChanges} other path changes`,
      );
    }
    const [rel, cur, relQuiet, curQuiet] = vs;
    const per100 = (a: V, b: V): number =>
      ((a.cpuPctSliceMedian - b.cpuPctSliceMedian) / a.backgroundSignalsPerS) * 100;
    const ratio = rel.cpuPctSliceMedian / cur.cpuPctSliceMedian;
    report.row('CPU ratio 0.1.0 / current (slice medians)', `${round(ratio, 2)}×`);
    report.row(
      'CPU ratio 0.1.0 / current (whole window)',
      `${round(rel.cpuPct / cur.cpuPct, 2)}× (more ticks, less robust to bursts of load)`,
    );
    report.row(
      'background cost per 100 signals/s: 0.1.0 / current',
      `${round(per100(rel, relQuiet), 3)} % / ${round(per100(cur, curQuiet), 3)} %`,
    );
    // Issue 13's targets, written ≤ / ≥ there.
    report.target(
      'GX-like CPU, current, MQTT on (% of a core)',
      0.35,
      cur.cpuPctSliceMedian,
      ' %',
      true,
      true,
    );
    report.target('GX-like CPU ratio 0.1.0 / current', 4, ratio, '×', false, true);
    report.target(
      'background traffic, current (% per 100 signals/s)',
      0.03,
      per100(cur, curQuiet),
      ' %',
      true,
      true,
    );
    const rssRatio = cur.rssMbAt5Min / bare.rssMbAt5Min;
    report.target('GX-like RSS at 5 min / bare node', 1.35, rssRatio, '×', true, true);
    report.target('GX-like RSS at 5 min / bare node (stretch)', 1.25, rssRatio, '×', true, true);
  },
};
