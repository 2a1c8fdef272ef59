/**
 * Start-up: spawn → first relay write / the start log line / name on D-Bus. The start log
 * line is "protecting: outputs decided from the lines" since the start-up that holds (0.1.0
 * logged "outputs in the safe state" after driving everything off first).
 */
import { BenchGx } from './sim';
import { sleep, stats, type Stats } from './lib';
import { fmtStats } from './report';
import { releaseBuild } from './baseline';
import { cleanEnv, currentRunFlags, prod } from './scripts';
import type { Bench } from './types';

const START_LINES = ['protecting: outputs decided from the lines', 'outputs in the safe state'];

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
        if (safeAt === 0 && START_LINES.some((l) => b.log().includes(l)))
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
    report.heading('Start-up (spawn → first relay write / protecting log line / name on D-Bus)');
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
      report.row(`${label}: protecting log line`, fmtStats(r.safeStateLog));
      report.row(`${label}: name on D-Bus`, fmtStats(r.nameOnDbus));
    }
    report.results.startup = s;
    const b = s.bundled as Record<string, Stats>;
    report.target(
      'start-up to protecting, bundled (median, log line)',
      1500,
      b.safeStateLog.median,
      ' ms',
    );
    report.target(
      'start-up to protecting, bundled (max, log line)',
      1500,
      b.safeStateLog.max,
      ' ms',
    );
  },
};
