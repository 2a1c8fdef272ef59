'use strict';
/**
 * A jest reporter that ends every `npm test` with what did not run and why: the suites that
 * skipped because a program is missing (test/tools.js), any other skipped test, and the one
 * apt-get line that installs what is missing.
 */
const { spawnSync } = require('child_process');
const path = require('path');
const { TOOLS, findTool, toolProblem, installHint, rerunHint } = require('./tools');

/** "1 test", "3 tests". */
const tests = (n) => `${n} test${n === 1 ? '' : 's'}`;

/**
 * Which Node ran the service, its CLI and the demo (test/helpers/runtime.ts): the one named
 * by SMALLBMS_TEST_NODE (`npm run test:runtimes`), else the one running jest.
 */
function runtimeLine(env = process.env) {
  const node = env.SMALLBMS_TEST_NODE || process.execPath;
  const r = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' });
  const version =
    r.status === 0 ? r.stdout.trim() : `not runnable (${r.error?.message ?? r.status})`;
  return `The service ran on Node ${version} (${node}); jest on ${process.version}.`;
}

/** The summary lines for a finished run (exported for its own test). */
function summary(results, rootDir, tools = TOOLS, find = findTool, problem = toolProblem) {
  const rel = (file) => path.relative(rootDir, file).split(path.sep).join('/');
  const byFile = new Map(results.testResults.map((r) => [rel(r.testFilePath), r]));
  const missing = tools.filter((t) => !find(t.name));
  const explained = new Set();
  const skippedSuites = [];
  const lines = [];
  for (const tool of missing) {
    const why = problem(tool.name);
    const what = why ? `${tool.name} not usable (${why})` : `${tool.name} not found`;
    lines.push(`  ${what}: ${tool.effect} (apt-get install ${tool.apt})`);
    for (const suite of tool.suites) {
      explained.add(suite);
      const r = byFile.get(suite);
      if (r) {
        lines.push(`    skipped ${suite} (${tests(r.numPendingTests)})`);
        if (r.numPendingTests > 0) skippedSuites.push(suite);
      }
    }
  }
  for (const [file, r] of byFile) {
    if (r.numPendingTests > 0 && !explained.has(file)) {
      lines.push(`  skipped ${tests(r.numPendingTests)} in ${file} (marked skip in the file)`);
    }
  }
  if (lines.length === 0) return ['Every suite ran: all the optional tools were found.'];
  const hint = installHint(missing);
  const rerun = rerunHint(skippedSuites);
  return [
    'Not run on this machine:',
    ...lines,
    ...(hint ? [`To run everything: ${hint}`] : []),
    ...(rerun ? [`Then only the skipped suites: ${rerun}`] : []),
  ];
}

class SkippedReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const text = `\n${summary(results, this.rootDir).join('\n')}\n${runtimeLine()}\n`;
    // Last, after the coverage table that jest prints after the reporters.
    process.once('exit', () => process.stderr.write(text));
  }
}

module.exports = SkippedReporter;
module.exports.summary = summary;
module.exports.runtimeLine = runtimeLine;
