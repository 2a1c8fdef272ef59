/** Start-up: spawn → first relay write / "outputs in the safe state" / name on D-Bus. */
import { BenchGx } from './sim';
import { sleep, stats, type Stats } from './lib';
import { fmtStats } from './report';
import { HEAP_FLAGS, PROD } from './scripts';
import type { Bench } from './types';

export async function startup(
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
        if (safeAt === 0 && b.log().includes('outputs in the safe state'))
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

export const startupBench: Bench = {
  name: 'startup',
  inDefault: true,
  async run({ scripts, quick, report }) {
    report.heading(
      'Start-up (spawn → first relay write / "outputs in the safe state" / name on D-Bus)',
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
      report.row(`${label}: first relay write`, fmtStats(r.firstRelayWrite));
      report.row(`${label}: safe-state log line`, fmtStats(r.safeStateLog));
      report.row(`${label}: name on D-Bus`, fmtStats(r.nameOnDbus));
    }
    report.results.startup = s;
    const b = s.bundled as Record<string, Stats>;
    report.target(
      'start-up to the safe state, bundled (median, log line)',
      1500,
      b.safeStateLog.median,
      ' ms',
    );
    report.target(
      'start-up to the safe state, bundled (max, log line)',
      1500,
      b.safeStateLog.max,
      ' ms',
    );
  },
};
