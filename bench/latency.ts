/** Reaction latency: input change → relay file / our ItemsChanged /Bms/Outputs/Charge. */
import { BenchGx, type InputMethod } from './sim';
import { deferred, sleep, stats, withTimeout, type Stats } from './lib';
import { releaseBuild } from './baseline';
import { fmtStats } from './report';
import { prod, type Scripts } from './scripts';
import type { Bench } from './types';

export interface LatencyResult {
  method: string;
  pollMs: number | null;
  debounceMs: number;
  relay: Stats;
  signal: Stats;
  relayMinusDebounce: Stats;
  timeouts: number;
}

export async function latency(
  scripts: Scripts,
  method: InputMethod,
  debounceMs: number,
  changes: number,
  build: { bundle: string; spawn: ReturnType<typeof prod> } = {
    bundle: scripts.bundled,
    spawn: prod(),
  },
): Promise<LatencyResult> {
  const b = await BenchGx.start({
    script: build.bundle,
    ...build.spawn,
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

export const latencyBench: Bench = {
  name: 'latency',
  inDefault: true,
  async run({ scripts, quick, report }) {
    report.heading(
      'Reaction latency (input change → relay file / ItemsChanged /Bms/Outputs/Charge)',
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
      report.row(`${label}, debounce ${d} ms → relay file`, fmtStats(r.relay));
      report.row(
        `${label}, debounce ${d} ms → relay file minus debounce`,
        fmtStats(r.relayMinusDebounce),
      );
      report.row(`${label}, debounce ${d} ms → ItemsChanged`, fmtStats(r.signal));
      if (r.timeouts) report.row(`${label}: changes without a reaction in 3 s`, String(r.timeouts));
      report.target(
        `reaction p99 minus debounce (${label}, debounce ${d})`,
        50,
        r.relayMinusDebounce.p99,
        ' ms',
      );
    }
    // The same digital-input run on the 0.1.0 release, side by side.
    const release = releaseBuild();
    const n = quick ? 60 : 200;
    const [cur, rel] = [
      await latency(scripts, { kind: 'digitalinput' }, 0, n),
      await latency(scripts, { kind: 'digitalinput' }, 0, n, {
        bundle: release.bundle,
        spawn: prod(release.run),
      }),
    ];
    report.row('digitalinput → relay file, current (again)', fmtStats(cur.relay));
    report.row(`digitalinput → relay file, ${release.label} release`, fmtStats(rel.relay));
    report.results.latency = {
      runs: out,
      release: { label: release.label, current: cur, release: rel },
    };
  },
};
