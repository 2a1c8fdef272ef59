'use strict';
/**
 * A jest reporter that replaces the ~90-line coverage table on the console with one line:
 * the totals, the totals of service/src/core/ (the part with a threshold), and where the
 * table is (coverage/coverage.txt, written by jest's `text` reporter, see jest.config.js).
 * The threshold itself is jest's (`coverageThreshold`): it still fails the run and says why.
 */
const fs = require('fs');
const path = require('path');

const KEYS = ['lines', 'branches', 'functions', 'statements'];

/** `{ lines: {total, covered}, ... }` summed over the files under `dir` (absolute). */
function totalsUnder(summary, dir) {
  const out = Object.fromEntries(KEYS.map((k) => [k, { total: 0, covered: 0 }]));
  for (const [file, entry] of Object.entries(summary)) {
    if (file === 'total' || !file.startsWith(dir)) continue;
    for (const k of KEYS) {
      out[k].total += entry[k].total;
      out[k].covered += entry[k].covered;
    }
  }
  return out;
}

const pct = ({ total, covered }) => (total === 0 ? 100 : (100 * covered) / total).toFixed(1);

/** The one line, from coverage-summary.json's content (exported for its test). */
function coverageLine(summary, rootDir, coverageDir) {
  const all = summary.total;
  const core = totalsUnder(summary, path.join(rootDir, 'service', 'src', 'core') + path.sep);
  const where = path.relative(rootDir, path.join(coverageDir, 'coverage.txt')) || 'coverage.txt';
  return (
    `Coverage: lines ${pct(all.lines)} %, branches ${pct(all.branches)} %, ` +
    `functions ${pct(all.functions)} %, statements ${pct(all.statements)} %; ` +
    `service/src/core/: lines ${pct(core.lines)} %, branches ${pct(core.branches)} %; ` +
    `per file: ${where}`
  );
}

class CoverageLineReporter {
  constructor(globalConfig) {
    this.config = globalConfig;
    this.started = Date.now();
  }

  onRunComplete() {
    const { collectCoverage, coverageDirectory, rootDir } = this.config;
    if (!collectCoverage) return;
    const file = path.join(coverageDirectory, 'coverage-summary.json');
    // At exit: jest's coverage reporters write their files after this reporter's turn.
    process.once('exit', () => {
      let summary;
      try {
        if (fs.statSync(file).mtimeMs < this.started - 1000) return; // an older run's
        summary = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        return;
      }
      process.stderr.write(`\n${coverageLine(summary, rootDir, coverageDirectory)}\n`);
    });
  }
}

module.exports = CoverageLineReporter;
module.exports.coverageLine = coverageLine;
