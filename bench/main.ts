/**
 * `npm run bench`: reaction latency, start-up, output interruption on restart, memory, steady
 * CPU, D-Bus traffic and the
 * GX-like scenario against the 0.1.0 release, measured on the real `smallbms run` process on
 * a simulated GX. Prints a table and writes bench/results/latest.json. `--quick` shortens
 * every phase; `--only=a,b` picks benches by name; `--node=VERSION|PATH` runs the service (and
 * the bare node it is compared with) on another Node: an official build fetched from the npm
 * registry (scripts/runtimes.js, e.g. `--node=24.18.1`) or an executable (the same as
 * SMALLBMS_TEST_NODE=PATH). See docs/performance.md.
 *
 * To add a bench: a module exporting a `Bench` (bench/types.ts), listed in BENCHES below.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gxLikeBench } from './gx-like';
import { round } from './lib';
import { latencyBench } from './latency';
import { memoryBench } from './memory';
import { Report } from './report';
import { restartBenchEntry } from './restart';
import { buildScripts, ROOT } from './scripts';
import { startupBench } from './startup';
import { steadyBench } from './steady';
import type { Bench } from './types';
import { serviceNode, serviceNodeVersion } from '../test/helpers/runtime';
import { fetchRuntime } from '../scripts/runtimes.js';

/** In the order they run. */
export const BENCHES: Bench[] = [
  latencyBench,
  startupBench,
  restartBenchEntry,
  memoryBench,
  steadyBench,
  gxLikeBench,
];

export async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const unknown = (only ?? []).filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}\n`,
    );
    return 2;
  }
  const node = argv.find((a) => a.startsWith('--node='))?.slice(7);
  if (node) process.env.SMALLBMS_TEST_NODE = node.includes('/') ? node : fetchRuntime(node).node;
  const selected = BENCHES.filter((b) => (only ? only.includes(b.name) : b.inDefault));
  const started = Date.now();
  const report = new Report();
  const scripts = buildScripts();
  report.results.machine = {
    node: process.version,
    serviceNode: serviceNodeVersion(),
    serviceNodePath: serviceNode(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavgAtStart: os.loadavg().map((l) => round(l, 2)),
    quick,
  };
  process.stdout.write(
    `smallbms bench (${quick ? 'quick' : 'full'}: ${selected.map((b) => b.name).join(', ')}), ` +
      `service on node ${serviceNodeVersion()} (${serviceNode()}), bench on ${process.version}, ` +
      `${os.cpus().length} cpus, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  );
  for (const bench of selected) await bench.run({ scripts, quick, argv, report });

  report.results.targets = report.targets;
  report.results.durationS = Math.round((Date.now() - started) / 1000);
  report.results.loadavgAtEnd = os.loadavg().map((l) => round(l, 2));
  report.printTargets();
  const out = path.join(ROOT, 'bench/results/latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report.results, null, 2)}\n`);
  process.stdout.write(
    `\nwrote ${path.relative(process.cwd(), out)} in ${report.results.durationS as number} s\n`,
  );
  return 0;
}
