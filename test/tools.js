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

const QT_QML_PACKAGES =
  'qt6-declarative-dev-tools qml-qt6 qml6-module-qtquick qml6-module-qtqml ' +
  'qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-models ' +
  'qml6-module-qtqml-workerscript fonts-dejavu-core';

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
    apt: 'qt6-declarative-dev-tools',
    find: () => firstExisting(['/usr/lib/qt6/bin/qmllint']),
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
    find: () => firstExisting(['/usr/lib/qt6/bin/qml']),
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

/** The tool's path (or true), or null when it is missing; looked up once per process. */
function findTool(name) {
  if (!found.has(name)) {
    const tool = TOOLS.find((t) => t.name === name);
    if (!tool) throw new Error(`unknown tool ${name}`);
    found.set(name, tool.find());
  }
  return found.get(name);
}

/** One apt-get line for everything missing, or null. */
function installHint(missing) {
  if (missing.length === 0) return null;
  const packages = [...new Set(missing.flatMap((t) => t.apt.split(' ')))];
  return `apt-get install ${packages.join(' ')}   (or, as root on Debian: .ci/run)`;
}

module.exports = { TOOLS, findTool, installHint, onPath };
