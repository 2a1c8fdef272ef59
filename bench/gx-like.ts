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
import { startEmbeddedBroker } from '../service/src/demo/broker';
import { DummyService } from '../service/src/sim/dummy-service';
import type { SimGx } from '../service/src/sim/gx';
import type { BusItemService, ItemSpec, ItemValue } from '../service/src/venus/busitem';
import { releaseBuild, type Release } from './baseline';
import { procSample, round, sleep, stats, type ProcSample } from './lib';
import { BenchGx } from './sim';
import { bareNode, cleanEnv, currentRunFlags, type RunFlags } from './scripts';
import type { Bench } from './types';

const MONITOR = 'com.victronenergy.battery.ttyS5';
const BACKGROUND_HZ = 5;

interface Build {
  label: string;
  bundle: string;
  run: RunFlags;
}

interface Variant {
  label: string;
  build: Build;
  background: boolean;
}

const d = (value: number | null): ItemSpec => ({ type: 'd', value });
const i = (value: number | null): ItemSpec => ({ type: 'i', value });

/** A stand-in of any product, with a tick that changes some of its paths. */
class Talker extends DummyService {
  /** Signals sent: one ItemsChanged per batch, plus one PropertiesChanged per changed path. */
  signals = 0;
  /** Path changes sent. */
  pathChanges = 0;
  constructor(
    address: string,
    name: string,
    paths: Record<string, ItemSpec>,
    private readonly style: 'both' | 'items' = 'both',
  ) {
    super({ address, name, paths, signals: style });
  }
  change(values: Record<string, ItemValue>): void {
    this.setMany(values);
    const n = Object.keys(values).length;
    this.pathChanges += n;
    this.signals += 1 + (this.style === 'both' ? n : 0);
  }
}

const jitter = (base: number, span: number, digits = 1): number =>
  Math.round((base + (Math.random() - 0.5) * span) * 10 ** digits) / 10 ** digits;

/** The SmartShunt-like monitor and the background talkers on one simulated GX. */
function gxSetup(
  background: boolean,
  counters: { monitor?: Talker; background: Talker[] },
  monitorStyle: 'both' | 'items',
) {
  return async (gx: SimGx): Promise<() => Promise<void>> => {
    const address = gx.address ?? '';
    const timers: NodeJS.Timeout[] = [];
    const talkers: Talker[] = [];
    const monitor = new Talker(
      address,
      MONITOR,
      {
        '/Soc': d(81.3),
        '/Dc/0/Voltage': d(13.21),
        '/Dc/0/Current': d(-4.2),
        '/Dc/0/Power': d(-55),
        '/Dc/0/Temperature': d(21),
        '/Dc/1/Voltage': d(6.6),
        '/Dc/0/MidVoltage': d(6.6),
        '/Dc/0/MidVoltageDeviation': d(0.1),
        '/ConsumedAmphours': d(-38.2),
        '/TimeToGo': d(51000),
        '/State': i(9),
        '/Alarms/LowVoltage': i(0),
        '/Alarms/HighVoltage': i(0),
        '/Alarms/LowSoc': i(0),
        '/Alarms/MidVoltage': i(0),
        '/History/DeepestDischarge': d(-120),
        '/History/TotalAhDrawn': d(-9000),
        '/History/ChargeCycles': i(53),
        '/History/MinimumVoltage': d(11.9),
        '/History/MaximumVoltage': d(14.4),
      },
      monitorStyle,
    );
    await monitor.start();
    talkers.push(monitor);
    counters.monitor = monitor;
    let tick = 0;
    let soc = 81.3;
    timers.push(
      setInterval(() => {
        tick++;
        const v = jitter(13.2, 0.06, 2);
        const a = jitter(-4, 2, 1);
        const next: Record<string, ItemValue> = {
          '/Dc/0/Voltage': v,
          '/Dc/0/Current': a,
          '/Dc/0/Power': Math.round(v * a),
        };
        if (tick % 2 === 0) {
          next['/ConsumedAmphours'] = jitter(-38, 1, 1);
          next['/TimeToGo'] = Math.round(jitter(51000, 2000, 0));
          next['/Dc/1/Voltage'] = jitter(6.6, 0.04, 2);
        }
        if (tick % 10 === 0) {
          soc = Math.max(20, Math.min(99, soc + (Math.random() - 0.6) * 0.2));
          next['/Soc'] = Math.round(soc * 10) / 10;
          next['/Dc/0/Temperature'] = jitter(21, 1, 1);
        }
        monitor.change(next);
      }, 500),
    );
    if (background) {
      const vebus = new Talker(address, 'com.victronenergy.vebus.ttyS4', {
        '/Ac/ActiveIn/L1/P': d(0),
        '/Ac/ActiveIn/L1/V': d(230),
        '/Ac/ActiveIn/L1/I': d(0),
        '/Ac/Out/L1/P': d(300),
        '/Ac/Out/L1/V': d(230),
        '/Ac/Out/L1/I': d(1.3),
        '/Ac/Out/L1/F': d(50),
        '/Dc/0/Voltage': d(13.2),
        '/Dc/0/Current': d(-25),
        '/State': i(9),
        '/Mode': i(3),
      });
      const solar = [0, 1].map(
        (n) =>
          new Talker(address, `com.victronenergy.solarcharger.ttyS${n}`, {
            '/Pv/V': d(40),
            '/Yield/Power': d(100),
            '/Dc/0/Voltage': d(13.2),
            '/Dc/0/Current': d(7),
            '/Yield/User': d(100),
            '/State': i(3),
          }),
      );
      for (const t of [vebus, ...solar]) {
        await t.start();
        talkers.push(t);
      }
      // systemcalc is the stand-in already on the bus (our relay targets talk to it): give it
      // the busy paths of the real one.
      const sc = gx.systemcalc as unknown as { service: BusItemService; signals?: number };
      const sysPaths = [
        '/Dc/Battery/Voltage',
        '/Dc/Battery/Current',
        '/Dc/Battery/Power',
        '/Dc/Pv/Power',
        '/Ac/Consumption/L1/Power',
      ];
      // (The stand-in already has /Dc/Battery/*, from its battery selection.)
      for (const p of sysPaths) if (!sc.service.has(p)) sc.service.add(p, d(0));
      const system = {
        signals: 0,
        change(values: Record<string, ItemValue>) {
          sc.service.setMany(values);
          this.signals += 1 + Object.keys(values).length;
        },
      };
      counters.background.push(vebus, ...solar, system as unknown as Talker);
      timers.push(
        setInterval(() => {
          vebus.change({
            '/Ac/ActiveIn/L1/V': jitter(230, 4),
            '/Ac/Out/L1/P': jitter(300, 40, 0),
            '/Ac/Out/L1/V': jitter(230, 4),
            '/Ac/Out/L1/I': jitter(1.3, 0.2),
            '/Dc/0/Voltage': jitter(13.2, 0.06, 2),
            '/Dc/0/Current': jitter(-25, 3),
          });
          for (const s of solar) {
            s.change({
              '/Pv/V': jitter(40, 2),
              '/Yield/Power': jitter(100, 20, 0),
              '/Dc/0/Current': jitter(7, 1),
            });
          }
          system.change({
            '/Dc/Battery/Voltage': jitter(13.2, 0.06, 2),
            '/Dc/Battery/Current': jitter(-4, 2),
            '/Dc/Battery/Power': jitter(-55, 20, 0),
            '/Dc/Pv/Power': jitter(200, 30, 0),
            '/Ac/Consumption/L1/Power': jitter(300, 40, 0),
          });
        }, 1000 / BACKGROUND_HZ),
      );
    }
    return async () => {
      for (const t of timers) clearInterval(t);
      for (const t of talkers) await t.stop().catch(() => undefined);
    };
  };
}

interface Running {
  variant: Variant;
  gx: BenchGx;
  stopBroker: () => Promise<void>;
  counters: { monitor?: Talker; background: Talker[] };
  own: { ItemsChanged: number; PropertiesChanged: number; paths: Map<string, number> };
}

async function startVariant(v: Variant, monitorStyle: 'both' | 'items'): Promise<Running> {
  const broker = await startEmbeddedBroker();
  const counters: Running['counters'] = { background: [] };
  const own: Running['own'] = { ItemsChanged: 0, PropertiesChanged: 0, paths: new Map() };
  const gx = await BenchGx.start({
    script: v.build.bundle,
    env: { ...cleanEnv(), ...v.build.run.env },
    nodeFlags: v.build.run.flags,
    method: { kind: 'digitalinput' },
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    editConfig: (c) => {
      c.batteryMonitor = { service: MONITOR, staleTimeoutS: 30 };
    },
    setup: gxSetup(v.background, counters, monitorStyle),
  });
  gx.signalListener = (s) => {
    if (s.sender !== gx.uniqueName) return;
    if (s.member === 'ItemsChanged') {
      own.ItemsChanged++;
      for (const p of Object.keys(s.body[0] as Record<string, unknown>))
        own.paths.set(p, (own.paths.get(p) ?? 0) + 1);
    } else if (s.member === 'PropertiesChanged') own.PropertiesChanged++;
  };
  return { variant: v, gx, stopBroker: () => broker.stop(), counters, own };
}

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
    for (const m of marks) {
      await sleep(Math.max(0, m * 1000 - (performance.now() - t0)));
      sample();
      if (Math.abs(m - o.warmS) < 1e-6) atWarm = counts();
      if (Math.abs(m - (o.warmS + o.windowS)) < 1e-6) atEnd = counts();
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
    const bare = r.bare as { cpuPct: number; cpuPctSliceMedian: number; rssMbAt5Min: number };
    type V = {
      label: string;
      cpuPct: number;
      cpuPctSliceMedian: number;
      rssMbAt5Min: number;
      rssMbAtEnd: number;
      backgroundSignalsPerS: number;
      ownSignalsPerMin: Record<string, number>;
    };
    const vs = r.variants as V[];
    report.row(
      'bare node (service/run flags)',
      `CPU ${bare.cpuPct} % (slices median ${bare.cpuPctSliceMedian}), RSS ${bare.rssMbAt5Min} MB`,
    );
    for (const v of vs) {
      report.row(
        v.label,
        `CPU ${v.cpuPct} % (slices median ${v.cpuPctSliceMedian}), RSS ${v.rssMbAt5Min} MB ` +
          `(${round(v.rssMbAt5Min / bare.rssMbAt5Min, 2)}×), end ${v.rssMbAtEnd} MB`,
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
      'background cost per 100 signals/s: 0.1.0 / current',
      `${round(per100(rel, relQuiet), 3)} % / ${round(per100(cur, curQuiet), 3)} %`,
    );
    report.target('GX-like CPU, current, MQTT on (% of a core)', 0.35, cur.cpuPctSliceMedian, ' %');
    report.target('GX-like CPU ratio 0.1.0 / current', 4, ratio, '×', false);
    report.target(
      'background traffic, current (% per 100 signals/s)',
      0.03,
      per100(cur, curQuiet),
      ' %',
    );
    report.target(
      'GX-like RSS at 5 min / bare node',
      1.35,
      cur.rssMbAt5Min / bare.rssMbAt5Min,
      '×',
    );
  },
};
