/**
 * "Output interruption on restart" (issue 12): how long the load and charge relays read
 * "off" when the service restarts with healthy lines and both relays on, for `kill -9` then
 * start (a crash) and SIGTERM then start (`svc -t`, every update). The relay files are
 * sampled every 2 ms in a process of their own; per restart the longest off run of either
 * relay counts (0 when never seen off). Target: 0 ms.
 *
 * SMALLBMS_BENCH_BASELINE=<path to another build's dist/smallbms.js> measures that build
 * the same way in the same run (e.g. 0.1.0), for a side-by-side figure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { SimGx } from '../service/src/sim/gx';
import { startFileSampler } from '../test/helpers/file-sampler';
import { releaseBuild } from './baseline';
import { round, sleep, stats, until } from './lib';
import type { Bench } from './types';
import { serviceNode } from '../test/helpers/runtime';

type How = 'kill9' | 'term';

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}

/** Interruption (ms) of each restart of one build, per way of stopping. */
async function measure(script: string, runs: number): Promise<Record<How, number[]>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-bench-restart-'));
  const gx = await SimGx.start({ root, dbus: true, node: serviceNode() });
  const out: Record<How, number[]> = { kill9: [], term: [] };
  let proc = gx.spawnService(script, []);
  const relaysOn = (): Promise<boolean> =>
    until(
      () => (gx.board.readRelay(1) === 1 && gx.board.readRelay(2) === 1 ? true : null),
      20_000,
    ).then((ok) => ok === true);
  try {
    if (!(await relaysOn())) throw new Error('relays never on');
    // The restarted service decides within a second; give the previous one time to settle.
    await sleep(1500);
    for (let i = 0; i < runs; i++) {
      for (const how of ['kill9', 'term'] as const) {
        const sampler = await startFileSampler({
          relay1: path.join(gx.board.root, 'relay_1', 'value'),
          relay2: path.join(gx.board.root, 'relay_2', 'value'),
        });
        proc.kill(how === 'kill9' ? 'SIGKILL' : 'SIGTERM');
        await exited(proc);
        proc = gx.spawnService(script, []);
        await relaysOn();
        await sleep(1500); // after the decision: an off blip would be over by now
        const s = await sampler.stop();
        out[how].push(Math.max(s.offMs.relay1 ?? 0, s.offMs.relay2 ?? 0));
      }
    }
  } finally {
    proc.kill('SIGTERM');
    await exited(proc);
    await gx.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  return out;
}

export interface RestartBenchIo {
  quick: boolean;
  script: string;
  /** Another build measured the same way in the same run (label, bundle). */
  baseline?: [string, string];
  row(name: string, value: string): void;
  target(name: string, limit: number, value: number, unit: string): void;
}

export async function restartBench(io: RestartBenchIo): Promise<Record<string, unknown>> {
  const runs = io.quick ? 3 : 7;
  process.stdout.write(
    `\nOutput interruption on restart (relays on, healthy lines, relay files sampled every 2 ms, ${runs} runs each)\n`,
  );
  const builds: [string, string][] = [['this build', io.script]];
  const baseline = process.env.SMALLBMS_BENCH_BASELINE;
  if (baseline) builds.push([`baseline ${baseline}`, baseline]);
  else if (io.baseline) builds.push(io.baseline);
  const results: Record<string, unknown> = {};
  for (const [label, script] of builds) {
    const m = await measure(script, runs);
    const row: Record<string, unknown> = {};
    for (const how of ['kill9', 'term'] as const) {
      const s = stats(m[how]);
      row[how] = { ms: m[how], median: s.median, max: s.max };
      io.row(
        `${label}: ${how === 'kill9' ? 'kill -9' : 'SIGTERM'} then start (ms off)`,
        `median ${round(s.median)}  max ${round(s.max)}  [${m[how].join(' ')}]`,
      );
    }
    results[label] = row;
    if (script === io.script) {
      const k = row.kill9 as { median: number };
      const t = row.term as { median: number };
      io.target('output interruption on restart, kill -9 (median ms)', 1, k.median, ' ms');
      io.target('output interruption on restart, SIGTERM (median ms)', 1, t.median, ' ms');
    }
  }
  return results;
}

/** `npm run bench` entry: this build side by side with the 0.1.0 release bundle. */
export const restartBenchEntry: Bench = {
  name: 'restart',
  inDefault: true,
  async run({ scripts, quick, report }) {
    const release = releaseBuild();
    report.results.restart = await restartBench({
      quick,
      script: scripts.bundled,
      baseline: [`${release.label} release`, release.bundle],
      row: (name, value) => report.row(name, value),
      target: (name, limit, value, unit) => report.target(name, limit, value, unit),
    });
  },
};
