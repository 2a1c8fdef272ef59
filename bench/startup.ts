/** Start-up: spawn → first relay write / "outputs in the safe state" / name on D-Bus. */
import { BenchGx } from './sim';
import { sleep, stats, type Stats } from './lib';
import { fmtStats } from './report';
import { releaseBuild } from './baseline';
import { cleanEnv, currentRunFlags, prod } from './scripts';
import type { Bench } from './types';

export async function startup(
  script: string,
  spawn: { env: NodeJS.ProcessEnv; nodeFlags?: string[] },
  runs: number,
): Promise<Record<string, Stats>> {
  const relay: number[] = [];
  const safeLog: number[] = [];
  const name: number[] = [];
  for (let i = 0; i < runs; i++) {
    const b = await BenchGx.start({ script, ...spawn, deferSpawn: true });
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
    const release = releaseBuild();
    const run = currentRunFlags();
    type Spawn = { env: NodeJS.ProcessEnv; nodeFlags?: string[] };
    const variants: [string, string, Spawn, number][] = [
      ['bundled', scripts.bundled, prod(), quick ? 3 : 7],
      [`${release.label} release bundled`, release.bundle, prod(release.run), quick ? 3 : 7],
      ['node_modules unbundled', scripts.modules, prod(), quick ? 2 : 3],
      [
        'ts-node (dev)',
        scripts.tsNode.script,
        {
          env: { ...cleanEnv(), ...run.env, ...scripts.tsNode.env },
          nodeFlags: run.flags,
        },
        quick ? 1 : 2,
      ],
    ];
    for (const [label, script, spawn, runs] of variants) {
      const r = await startup(script, spawn, runs);
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
