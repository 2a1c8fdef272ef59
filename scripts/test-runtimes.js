'use strict';
/**
 * `npm run test:runtimes`: the suites that run the real service, once per Node runtime a GX
 * may have (scripts/runtimes.js TEST_RUNTIMES: 18, 20 and 24), each an official x86-64 build
 * fetched from the npm registry into a cache outside the repository. jest itself runs on this
 * machine's Node; SMALLBMS_TEST_NODE makes the service, its CLI and the demo run on the
 * runtime (test/helpers/runtime.ts). Ends with which runtimes ran, their exact versions and
 * results.
 *
 *   npm run test:runtimes                      the default runtimes
 *   npm run test:runtimes -- 24.18.1 18.20.8   others ($SMALLBMS_RUNTIMES too, space-separated)
 *   npm run test:runtimes -- 24.18.1 -- test/e2e/smoke.test.ts   other suites (jest arguments)
 *
 * A runtime that cannot be fetched (no network, no registry) fails the run in CI (CI=true)
 * and is skipped with the reason elsewhere.
 */
const { spawnSync } = require('child_process');
const path = require('path');
const { TEST_RUNTIMES, fetchRuntime, runtimeVersion } = require('./runtimes');

const root = path.resolve(__dirname, '..');

/** Every suite that starts the real service, its CLI or the demo as a child process. */
const SUITES = ['test/e2e', 'test/mqtt-e2e', 'test/robustness', 'test/cli', 'test/demo'];

function main(argv) {
  const sep = argv.indexOf('--');
  const specs = (sep < 0 ? argv : argv.slice(0, sep)).filter(Boolean);
  const jestArgs = sep < 0 ? SUITES : argv.slice(sep + 1);
  const wanted =
    specs.length > 0
      ? specs
      : process.env.SMALLBMS_RUNTIMES
        ? process.env.SMALLBMS_RUNTIMES.split(/\s+/).filter(Boolean)
        : TEST_RUNTIMES;
  const ci = /^(1|true)$/i.test(process.env.CI || '');
  const out = (s) => process.stdout.write(`${s}\n`);
  out(`test:runtimes: ${wanted.join(', ')}; jest on ${process.version}; ${jestArgs.join(' ')}`);

  const results = [];
  for (const spec of wanted) {
    let rt;
    try {
      rt = fetchRuntime(spec);
      rt.exact = runtimeVersion(rt.node);
    } catch (err) {
      results.push({ spec, status: ci ? 'NOT FETCHED' : 'skipped', reason: err.message });
      out(`\n${spec}: cannot be fetched: ${err.message}`);
      continue;
    }
    out(`\n=== the service on ${rt.exact} (${rt.spec}, ${rt.node}) ===`);
    const started = Date.now();
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/jest/bin/jest.js'), '--coverage=false', ...jestArgs],
      { cwd: root, stdio: 'inherit', env: { ...process.env, SMALLBMS_TEST_NODE: rt.node } },
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    results.push({
      spec: rt.spec,
      exact: rt.exact,
      node: rt.node,
      seconds,
      status: r.status === 0 ? 'passed' : 'FAILED',
      reason: r.status === 0 ? '' : `jest exited with ${r.status ?? r.signal}`,
    });
  }

  out(`\nRuntimes (the service, its CLI and the demo; jest on ${process.version}):`);
  for (const x of results) {
    if (x.exact) out(`  ${x.exact.padEnd(9)} ${x.spec.padEnd(24)} ${x.status} in ${x.seconds} s`);
    else out(`  ${x.spec.padEnd(34)} ${x.status}: ${x.reason.split('\n')[0]}`);
  }
  const skipped = results.filter((x) => x.status === 'skipped');
  if (skipped.length > 0) out('  (a runtime not fetched fails the run when CI=true)');
  const bad = results.filter((x) => x.status !== 'passed' && x.status !== 'skipped');
  if (results.every((x) => x.status === 'skipped')) out('No runtime ran.');
  return bad.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
