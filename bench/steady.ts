/** Steady CPU per input method (five services at once), and the D-Bus traffic they cause. */
import { BenchGx, batteryTicker, type InputMethod } from './sim';
import { procSample, round, sleep } from './lib';
import { bareNode, cleanEnv, currentRunFlags, prod, type Scripts } from './scripts';
import type { Bench } from './types';

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
  const run = currentRunFlags();
  const bare = await bareNode(run.flags, { ...cleanEnv(), ...run.env });
  const stoppers: (() => void)[] = [];
  try {
    for (const v of variants)
      gxs.push(await BenchGx.start({ script: scripts.bundled, ...prod(), method: v.method }));
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

export const steadyBench: Bench = {
  name: 'steady',
  inDefault: true,
  async run({ scripts, quick, report }) {
    const windowS = quick ? 20 : 60;
    report.heading(
      `Steady state (${windowS} s window, 4 lines, debounce 200 ms, monitor 1 Hz; 5 services at once)`,
    );
    const s = await steady(scripts, windowS);
    report.results.steady = s;
    report.row(
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
      report.row(`${v.label}: CPU`, `${v.cpuMsPerMin} ms/min = ${v.cpuPctOfCore} % of a core`);
      report.row(
        `${v.label}: our signals/min`,
        `${v.signalsPerMin.mirroredPathChanges} mirrored path changes, ${v.signalsPerMin.otherPathChanges} other`,
      );
    }
    const def = vs.find((v) => v.label.includes('default'));
    if (def) {
      report.target('steady CPU, gpio 100 ms (% of one core)', 0.5, def.cpuPctOfCore, ' %');
      report.target(
        'D-Bus path changes/min other than mirrored measurements',
        0.5,
        def.signalsPerMin.otherPathChanges,
        '',
      );
      if (def.signalsPerMin.otherPathChanges > 0)
        report.row('  unexpected paths', JSON.stringify(def.otherPaths));
    }
    const di = vs.find((v) => v.label.startsWith('digitalinput'));
    if (di) report.target('steady CPU, digitalinput (% of one core)', 0.5, di.cpuPctOfCore, ' %');
  },
};
