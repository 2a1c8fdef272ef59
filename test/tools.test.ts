/**
 * `npm test` ends by saying what did not run here and what to install: the summary of
 * test/skipped-reporter.js, from a table of results, and from a real jest run on a machine
 * where shellcheck (and everything else on $PATH) is missing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TOOLS } from './tools.js';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { summary } = require('./skipped-reporter.js') as {
  summary: (
    results: { testResults: { testFilePath: string; numPendingTests: number }[] },
    rootDir: string,
    tools?: typeof TOOLS,
    find?: (name: string) => string | true | null,
  ) => string[];
};

const root = path.resolve(__dirname, '..');
const result = (file: string, pending: number) => ({
  testFilePath: path.join(root, file),
  numPendingTests: pending,
});

test('missing tools: their skipped suites, other skips, and one apt-get line', () => {
  const lines = summary(
    {
      testResults: [
        result('test/install/shellcheck.test.ts', 1),
        result('test/gui/render.test.ts', 0),
        result('test/core/rules.test.ts', 2),
      ],
    },
    root,
    TOOLS,
    (name) => (name === 'shellcheck' || name === 'busybox' ? null : '/usr/bin/x'),
  );
  expect(lines[0]).toBe('Not run on this machine:');
  expect(lines).toContain(
    '  shellcheck not found: the GX shell scripts are not checked (apt-get install shellcheck)',
  );
  expect(lines).toContain('    skipped test/install/shellcheck.test.ts (1 tests)');
  expect(lines.join('\n')).toMatch(/busybox not found: install\.sh is tested with sh only/);
  expect(lines).toContain('  skipped 2 tests in test/core/rules.test.ts (marked skip in the file)');
  expect(lines[lines.length - 1]).toBe(
    'To run everything: apt-get install shellcheck busybox   (or, as root on Debian: .ci/run)',
  );
});

test('nothing missing, nothing skipped: it says so in one line', () => {
  expect(
    summary({ testResults: [result('test/core/rules.test.ts', 0)] }, root, TOOLS, () => true),
  ).toEqual(['Every suite ran: all the optional tools were found.']);
});

test('every suite named in the tool table exists', () => {
  for (const tool of TOOLS)
    for (const suite of tool.suites) expect(fs.existsSync(path.join(root, suite))).toBe(true);
});

test('a real jest run without shellcheck on PATH skips its suite and says what to install', () => {
  const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-nopath-'));
  try {
    const run = spawnSync(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--coverage=false', 'test/install/shellcheck.test.ts'],
      {
        cwd: root,
        env: { ...process.env, PATH: emptyPath, CI: '' },
        encoding: 'utf8',
        timeout: 60000,
      },
    );
    const out = run.stdout + run.stderr;
    expect(run.status).toBe(0);
    expect(out).toMatch(/Tests: +1 skipped, 1 total/);
    expect(out).toContain('Not run on this machine:');
    expect(out).toContain('shellcheck not found');
    expect(out).toContain('    skipped test/install/shellcheck.test.ts (1 tests)');
    expect(out).toMatch(/dbus-daemon not found: .*FAIL.*\(apt-get install dbus\)/);
    expect(out).toMatch(/To run everything: apt-get install [^\n]*\bshellcheck\b/);
  } finally {
    fs.rmSync(emptyPath, { recursive: true, force: true });
  }
});
