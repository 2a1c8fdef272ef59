/**
 * `npm test` ends by saying what did not run here and what to install: the summary of
 * test/skipped-reporter.js, from a table of results, and from a real jest run on a machine
 * where shellcheck (and everything else on $PATH) is missing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TOOLS, qmllintProblem, qmlRuntimeProblem } from './tools.js';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { summary } = require('./skipped-reporter.js') as {
  summary: (
    results: { testResults: { testFilePath: string; numPendingTests: number }[] },
    rootDir: string,
    tools?: typeof TOOLS,
    find?: (name: string) => string | true | null,
    problem?: (name: string) => string | null,
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
  expect(lines).toContain('    skipped test/install/shellcheck.test.ts (1 test)');
  expect(lines.join('\n')).toMatch(/busybox not found: install\.sh is tested with sh only/);
  expect(lines).toContain('  skipped 2 tests in test/core/rules.test.ts (marked skip in the file)');
  expect(lines[lines.length - 2]).toBe(
    'To run everything: apt-get install shellcheck busybox   (or, as root on Debian: .ci/run)',
  );
  expect(lines[lines.length - 1]).toBe(
    'Then only the skipped suites: npx jest test/install/shellcheck.test.ts',
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
    expect(out).toMatch(/Tests: +2 skipped, 2 total/);
    expect(out).toContain('Not run on this machine:');
    expect(out).toContain('shellcheck not found');
    expect(out).toContain('    skipped test/install/shellcheck.test.ts (2 tests)');
    expect(out).toMatch(/dbus-daemon not found: .*FAIL.*\(apt-get install dbus\)/);
    expect(out).toMatch(/To run everything: apt-get install [^\n]*\bshellcheck\b/);
    expect(out).toContain('Then only the skipped suites: npx jest test/install/shellcheck.test.ts');
  } finally {
    fs.rmSync(emptyPath, { recursive: true, force: true });
  }
});

test('a tool that is there but cannot import its QML modules: "not usable", why, the packages, the rerun line', () => {
  const lines = summary(
    {
      testResults: [
        result('test/gui/lint.test.ts', 12),
        result('test/install/shellcheck.test.ts', 1),
      ],
    },
    root,
    TOOLS,
    (name) => (name === 'qmllint' || name === 'shellcheck' ? null : '/usr/bin/x'),
    (name) => (name === 'qmllint' ? 'qmllint is there but cannot import QtQuick' : null),
  );
  expect(lines).toContain(
    '  qmllint not usable (qmllint is there but cannot import QtQuick): the GUI plugin QML is not linted' +
      ' (apt-get install qt6-declarative-dev-tools qml6-module-qtquick qml6-module-qtqml qml6-module-qtquick-window' +
      ' qml6-module-qtquick-templates qml6-module-qtqml-models qml6-module-qtqml-workerscript)',
  );
  expect(lines).toContain('    skipped test/gui/lint.test.ts (12 tests)');
  expect(lines[lines.length - 2]).toMatch(
    /^To run everything: apt-get install shellcheck qt6-declarative-dev-tools qml6-module-qtquick .*workerscript {3}\(or/,
  );
  expect(lines[lines.length - 1]).toBe(
    'Then only the skipped suites: npx jest test/install/shellcheck.test.ts test/gui/lint.test.ts',
  );
});

/**
 * Qt's own programs with the QML modules out of reach, as with qt6-declarative-dev-tools alone:
 * a copy of the program with a qt.conf beside it that points its QML import path at an empty
 * directory (Qt reads qt.conf next to the program).
 */
const QT_BIN = '/usr/lib/qt6/bin';
const withQt =
  fs.existsSync(path.join(QT_BIN, 'qmllint')) && fs.existsSync(path.join(QT_BIN, 'qml'));
function qtWithoutModules(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const name of ['qmllint', 'qml'])
    fs.copyFileSync(path.join(QT_BIN, name), path.join(bin, name));
  const plugins = spawnSync(path.join(QT_BIN, 'qtpaths6'), ['--query', 'QT_INSTALL_PLUGINS'], {
    encoding: 'utf8',
  }).stdout.trim();
  fs.mkdirSync(path.join(dir, 'no-qml'));
  fs.writeFileSync(
    path.join(bin, 'qt.conf'),
    `[Paths]\nPrefix=/usr\nPlugins=${plugins}\nQmlImports=${path.join(dir, 'no-qml')}\n`,
  );
  return bin;
}

(withQt ? describe : describe.skip)('Qt tools without their QML modules are missing tools', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-qt-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the probes: the real programs pass, the copies without modules name what they miss', () => {
    expect(qmllintProblem(path.join(QT_BIN, 'qmllint'))).toBeNull();
    expect(qmlRuntimeProblem(path.join(QT_BIN, 'qml'))).toBeNull();
    const bin = qtWithoutModules(dir);
    expect(qmllintProblem(path.join(bin, 'qmllint'))).toMatch(
      /^qmllint is there but cannot import .*\bQtQuick\b/,
    );
    expect(qmlRuntimeProblem(path.join(bin, 'qml'))).toMatch(
      /^qml is there but cannot import .*\bQtQuick\b/,
    );
  });

  test('a real jest run of the lint suite skips it (not "Failed to import QtQuick") and says what to do', () => {
    const bin = path.join(dir, 'bin');
    if (!fs.existsSync(bin)) qtWithoutModules(dir);
    const run = spawnSync(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--coverage=false', 'test/gui/lint.test.ts'],
      {
        cwd: root,
        env: { ...process.env, SMALLBMS_QT_BIN: bin, CI: '' },
        encoding: 'utf8',
        timeout: 120000,
      },
    );
    const out = run.stdout + run.stderr;
    expect(out).not.toContain('Failed to import');
    expect(run.status).toBe(0);
    expect(out).toMatch(/Tests: +\d+ skipped, \d+ total/);
    expect(out).toMatch(
      /qmllint not usable \(qmllint is there but cannot import [^)]*QtQuick[^)]*\): the GUI plugin QML is not linted \(apt-get install qt6-declarative-dev-tools qml6-module-qtquick /,
    );
    expect(out).toMatch(/ {4}skipped test\/gui\/lint\.test\.ts \(\d+ tests\)/);
    expect(out).toContain('Then only the skipped suites: npx jest test/gui/lint.test.ts');
  });
});

test('coverage: one line on the console, the table in coverage.txt, the core threshold still fails a run', () => {
  // The project's jest config, with one more root: a test that loads the engine and runs
  // none of it, so service/src/core/ falls below its threshold.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-cov-'));
  try {
    const engine = path.join(root, 'service/src/core/engine.ts');
    fs.writeFileSync(
      path.join(dir, 'idle.test.ts'),
      `import * as engine from ${JSON.stringify(engine)};\ntest('loads', () => expect(engine).toBeDefined());\n`,
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const base = require('../jest.config.js') as Record<string, unknown>;
    const config = {
      ...base,
      rootDir: root,
      roots: [dir],
      coverageDirectory: path.join(dir, 'coverage'),
    };
    const run = spawnSync(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--coverage'],
      { cwd: root, env: { ...process.env, CI: '' }, encoding: 'utf8', timeout: 120000 },
    );
    const out = run.stdout + run.stderr;
    expect(out).toMatch(
      /\nCoverage: lines [\d.]+ %, branches [\d.]+ %, functions [\d.]+ %, statements [\d.]+ %; service\/src\/core\/: lines [\d.]+ %, branches [\d.]+ %; per file: \S+coverage\.txt\n/,
    );
    expect(out).not.toContain('% Stmts');
    expect(out).toMatch(/coverage threshold for (branches|lines) \(95%\) not met/);
    expect(run.status).toBe(1);
    const table = fs.readFileSync(path.join(dir, 'coverage', 'coverage.txt'), 'utf8');
    expect(table).toContain('% Stmts');
    expect(table).toContain('engine.ts');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
