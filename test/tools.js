'use strict';
/**
 * The programs some test suites need besides Node, where each comes from on Debian/Ubuntu,
 * and which suites skip (or fail) without it. The suites and the end-of-run summary
 * (test/skipped-reporter.js) both ask here, so what is skipped and what is reported agree.
 * `.ci/run` installs all of them.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

/** The first executable `name` on $PATH, or null. */
function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const firstExisting = (candidates) => candidates.find((c) => fs.existsSync(c)) || null;

/** The QML modules the GUI tests import (plugin pages, stand-ins, harness), and their packages. */
const QML_MODULES = ['QtQml', 'QtQml.Models', 'QtQuick', 'QtQuick.Templates', 'QtQuick.Window'];
const QML_MODULE_PACKAGES =
  'qml6-module-qtquick qml6-module-qtqml qml6-module-qtquick-window ' +
  'qml6-module-qtquick-templates qml6-module-qtqml-models qml6-module-qtqml-workerscript';
const QT_QML_PACKAGES = `qt6-declarative-dev-tools qml-qt6 ${QML_MODULE_PACKAGES} fonts-dejavu-core`;

/** A Qt program: in $SMALLBMS_QT_BIN if set (tests of this table), else Debian's place. */
function qtProgram(name) {
  const dir = process.env.SMALLBMS_QT_BIN;
  return firstExisting(dir ? [path.join(dir, name)] : [`/usr/lib/qt6/bin/${name}`]);
}

/** Runs `fn(file)` on a probe QML file that imports every module of QML_MODULES. */
function withProbe(fn) {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'smallbms-qml-probe-'));
  try {
    const file = path.join(dir, 'Probe.qml');
    const imports = QML_MODULES.map((m) => (m === 'QtQuick.Templates' ? `${m} as T` : m));
    fs.writeFileSync(
      file,
      `${imports.map((m) => `import ${m}`).join('\n')}\n\nItem {\n    Component.onCompleted: Qt.quit()\n}\n`,
    );
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Why qmllint at `bin` cannot lint the GUI (a module it cannot import), or null. qmllint
 * without the QML modules (qt6-declarative-dev-tools alone) fails every file with "Failed
 * to import QtQuick": that is a missing tool, not a failing test.
 */
function qmllintProblem(bin) {
  return withProbe((file) => {
    const run = spawnSync(bin, ['--json', '-', file], { encoding: 'utf8', timeout: 30000 });
    let report;
    try {
      report = JSON.parse(run.stdout);
    } catch {
      return `qmllint did not run (${run.error ? run.error.message : `exit ${run.status}`})`;
    }
    const messages = report.files.flatMap((f) => f.warnings.map((w) => w.message));
    const failed = messages
      .map((m) => /^Failed to import (\w+(?:\.\w+)*)/.exec(m))
      .filter(Boolean)
      .map((m) => m[1]);
    const names = [...new Set(failed)];
    return names.length > 0 ? `qmllint is there but cannot import ${names.join(', ')}` : null;
  });
}

/** Why the qml runtime at `bin` cannot render the GUI (a module not installed), or null. */
function qmlRuntimeProblem(bin) {
  return withProbe((file) => {
    const env = {
      ...process.env,
      QT_QPA_PLATFORM: 'offscreen',
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR || require('os').tmpdir(),
    };
    const run = spawnSync(bin, [file], { encoding: 'utf8', timeout: 30000, env });
    if (run.status === 0) return null;
    const output = `${run.stdout}\n${run.stderr}`;
    const missing = [
      ...new Set([...output.matchAll(/module "([\w.]+)" is not installed/g)].map((m) => m[1])),
    ];
    if (missing.length > 0) return `qml is there but cannot import ${missing.join(', ')}`;
    const first = output.trim().split('\n').slice(-1)[0] || `exit ${run.status}`;
    return `qml did not run the probe (${first})`;
  });
}

/** The program at `bin` if `problem(bin)` is null; else why not; null when there is none. */
function usable(bin, problem) {
  if (!bin) return null;
  const why = problem(bin);
  return why ? { missing: why } : bin;
}

/**
 * name: what is missing; apt: the Debian/Ubuntu packages; find: its path (or true), else
 * null; suites: test files that skip without it; effect: what a missing tool costs.
 */
const TOOLS = [
  {
    name: 'dbus-daemon',
    apt: 'dbus',
    find: () => onPath('dbus-daemon'),
    suites: [],
    effect: 'the integration tests (private D-Bus) FAIL with "dbus-daemon not found on PATH"',
  },
  {
    name: 'shellcheck',
    apt: 'shellcheck',
    find: () => onPath('shellcheck'),
    suites: ['test/install/shellcheck.test.ts'],
    effect: 'the GX shell scripts are not checked',
  },
  {
    name: 'busybox',
    apt: 'busybox',
    find: () => onPath('busybox'),
    suites: [],
    effect: 'install.sh is tested with sh only, not with BusyBox ash as on the GX',
  },
  {
    name: 'daemontools',
    apt: 'daemontools',
    find: () =>
      ['svscan', 'supervise', 'svc', 'svstat', 'multilog'].every(onPath) ? onPath('svscan') : null,
    suites: ['test/install/lifecycle.test.ts'],
    effect: 'the install lifecycle is not tested under a real supervisor (svscan, supervise)',
  },
  {
    name: 'qmllint',
    apt: `qt6-declarative-dev-tools ${QML_MODULE_PACKAGES}`,
    find: () => usable(qtProgram('qmllint'), qmllintProblem),
    suites: ['test/gui/lint.test.ts'],
    effect: 'the GUI plugin QML is not linted',
  },
  {
    name: 'rcc',
    apt: 'qt6-base-dev-tools',
    find: () => firstExisting(['/usr/lib/qt6/libexec/rcc', '/usr/lib/qt6/bin/rcc']),
    suites: ['test/gui/plugin.test.ts'],
    effect: 'the GUI plugin resources are not compiled',
  },
  {
    name: 'qml',
    apt: QT_QML_PACKAGES,
    find: () => usable(qtProgram('qml'), qmlRuntimeProblem),
    suites: ['test/gui/render.test.ts'],
    effect: 'the GUI pages are not rendered',
  },
  {
    name: 'python3 with jinja2',
    apt: 'python3-jinja2',
    find: () =>
      spawnSync('python3', ['-c', 'import jinja2'], { encoding: 'utf8' }).status === 0 || null,
    suites: ['test/mqtt/homeassistant.test.ts'],
    effect: "Home Assistant's value templates are not rendered by real Jinja2",
  },
];

const found = new Map();

/** What `find` said: a path, true, null, or `{ missing: why }` (there, but not usable). */
function lookUp(name) {
  if (!found.has(name)) {
    const tool = TOOLS.find((t) => t.name === name);
    if (!tool) throw new Error(`unknown tool ${name}`);
    found.set(name, tool.find());
  }
  return found.get(name);
}

/** The tool's path (or true), or null when it is missing or unusable; looked up once per process. */
function findTool(name) {
  const result = lookUp(name);
  return result !== null && typeof result === 'object' ? null : result;
}

/** Why a tool that is there cannot be used ("qmllint is there but cannot import QtQuick"), or null. */
function toolProblem(name) {
  const result = lookUp(name);
  return result !== null && typeof result === 'object' ? result.missing : null;
}

/** One apt-get line for everything missing, or null. */
function installHint(missing) {
  if (missing.length === 0) return null;
  const packages = [...new Set(missing.flatMap((t) => t.apt.split(' ')))];
  return `apt-get install ${packages.join(' ')}   (or, as root on Debian: .ci/run)`;
}

/** The command that runs only `suites` (after installing what they miss), or null. */
function rerunHint(suites) {
  return suites.length > 0 ? `npx jest ${suites.join(' ')}` : null;
}

module.exports = {
  TOOLS,
  findTool,
  toolProblem,
  installHint,
  rerunHint,
  onPath,
  qmllintProblem,
  qmlRuntimeProblem,
};
