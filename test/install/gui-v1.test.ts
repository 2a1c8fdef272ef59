/**
 * install.sh --gui-v1: the classic GUI (gui v1) page, against a fake GX root that has a
 * minimal /opt/victronenergy/gui/qml/PageSettings.qml. Install, idempotence, no /opt change
 * without the option, uninstall restores the stock file byte for byte, dry runs, refusals,
 * update and firmware update. Plus a syntax sanity check of gui-qml/gui-v1/PageSmallBms.qml
 * (no QtQuick 1 tooling exists here: balanced braces, closed strings and comments, the
 * D-Bus paths and ranges it binds to). Not run on a real GX.
 */
import * as fs from 'fs';
import * as path from 'path';
import { busybox, calls, cleanup, clearCalls, FakeGx, makeGx, repo, run, tree } from './helpers';

const APP = 'data/apps/available/dbus-smallbms';
const QML = 'opt/victronenergy/gui/qml';
const MENU = `${QML}/PageSettings.qml`;
const PAGE = `${QML}/PageSmallBms.qml`;
const BACKUP = `${APP}/gui-v1-backup/PageSettings.qml.smallbms-orig`;
const MARK = '// >>> dbus-smallbms:';
const PAGE_SRC = path.join(repo, 'gui-qml/gui-v1/PageSmallBms.qml');

/**
 * A stand-in for the stock Settings page, written for these tests in the layout of the
 * classic gui's PageSettings.qml: a list of MbSubMenu in `model: VisibleItemModel { }`, with
 * braces in strings and comments, and an object after the model to make sure the entry goes
 * into the list and not just before the last brace.
 */
const STOCK = `import QtQuick 1.1
import com.victron.velib 1.0
import "utils.js" as Utils

MbPage {
\ttitle: qsTr("Settings")
\tproperty string bindPrefix: "com.victronenergy.settings"
\tproperty VBusItem relay0Item: VBusItem {bind: "com.victronenergy.system/Relay/0/State"}

\tmodel: VisibleItemModel {
\t\tMbSubMenu {
\t\t\tdescription: qsTr("General {not a brace}")
\t\t\tsubpage: Component { PageSettingsGeneral {} }
\t\t}

\t\t/*
\t\tMbSubMenu {
\t\t\tdescription: qsTr("Commented out")
\t\t*/

\t\tMbSubMenu {
\t\t\tdescription: "Debug" // closing } in a comment
\t\t\tsubpage: Component { PageDebug {} }
\t\t\tshowAccessLevel: User.AccessService
\t\t}
\t}

\tComponent {
\t\tid: later
\t\tMbItemText { text: "}" }
\t}
}
`;

/** The same page after a firmware update: one more entry, another byte layout. */
const NEW_STOCK = STOCK.replace(
  '\t\tMbSubMenu {\n\t\t\tdescription: "Debug"',
  '\t\tMbSubMenu {\n\t\t\tdescription: qsTr("New in this firmware")\n\t\t}\n\n\t\tMbSubMenu {\n\t\t\tdescription: "Debug"',
);

const shells: Array<'sh' | 'busybox'> = busybox ? ['sh', 'busybox'] : ['sh'];

let gxs: FakeGx[] = [];
afterEach(() => {
  for (const g of gxs) cleanup(g);
  gxs = [];
});

/** A fake GX with the classic gui (unless classic: false) and the page in the package. */
function gx(opts: { shell: 'sh' | 'busybox'; classic?: boolean; stock?: string }): FakeGx {
  const g = makeGx({ shell: opts.shell, venus: 'v3.40' });
  gxs.push(g);
  fs.mkdirSync(path.join(g.pkg, 'gui-v1'));
  fs.copyFileSync(PAGE_SRC, path.join(g.pkg, 'gui-v1/PageSmallBms.qml'));
  if (opts.classic !== false) {
    fs.mkdirSync(p(g, QML), { recursive: true });
    fs.writeFileSync(p(g, MENU), opts.stock ?? STOCK);
    fs.writeFileSync(p(g, `${QML}/utils.js`), 'function path(a, b) { return a + b }\n');
  }
  fs.mkdirSync(p(g, 'service/gui'));
  // a mount that only records: the tests run with SMALLBMS_ROOT, so it must never be called
  fs.writeFileSync(path.join(g.bin, 'mount'), '#!/bin/sh\necho "mount $*" >>"$FAKE_LOG"\n');
  fs.chmodSync(path.join(g.bin, 'mount'), 0o755);
  return g;
}

const p = (g: FakeGx, rel: string) => path.join(g.root, rel);
const read = (g: FakeGx, rel: string) => fs.readFileSync(p(g, rel), 'utf8');
const exists = (g: FakeGx, rel: string) => fs.existsSync(p(g, rel));
const count = (text: string, needle: string) => text.split(needle).length - 1;
const guiRestarts = (g: FakeGx) => calls(g).filter((c) => c === `svc -t ${p(g, 'service/gui')}`);
const mounts = (g: FakeGx) => calls(g).filter((c) => c.startsWith('mount'));

// ---------------------------------------------------------------------------------------------
// a small QML scanner: strings, comments, bracket balance

interface Scan {
  errors: string[];
  /** brace depth ({ only) at each character offset where a line starts */
  depthAt: (offset: number) => number;
}

function scanQml(text: string): Scan {
  const errors: string[] = [];
  const stack: Array<{ ch: string; line: number }> = [];
  const depths: number[] = new Array(text.length + 1).fill(0);
  const pairs: Record<string, string> = { '}': '{', ']': '[', ')': '(' };
  let line = 1;
  let braces = 0;
  let i = 0;
  while (i < text.length) {
    depths[i] = braces;
    const c = text[i];
    const next = text[i + 1];
    if (c === '\n') line++;
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') depths[i++] = braces;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) {
        errors.push(`line ${line}: unterminated /* comment`);
        break;
      }
      for (; i < end + 2; i++) {
        depths[i] = braces;
        if (text[i] === '\n') line++;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      if (text[j] !== c) {
        errors.push(`line ${line}: unterminated string`);
        i = j;
        continue;
      }
      for (; i <= j; i++) depths[i] = braces;
      continue;
    }
    if (c === '{' || c === '[' || c === '(') {
      stack.push({ ch: c, line });
      if (c === '{') braces++;
    } else if (c === '}' || c === ']' || c === ')') {
      const open = stack.pop();
      if (!open || open.ch !== pairs[c]) errors.push(`line ${line}: unexpected ${c}`);
      if (c === '}') braces--;
    }
    i++;
  }
  for (const open of stack) errors.push(`line ${open.line}: ${open.ch} never closed`);
  depths[text.length] = braces;
  return { errors, depthAt: (offset) => depths[offset] };
}

describe('scanQml (the sanity checker itself)', () => {
  test('accepts the stand-in stock page and finds errors', () => {
    expect(scanQml(STOCK).errors).toEqual([]);
    expect(scanQml('A {\n\tB { x: "}" }\n').errors).toEqual(['line 1: { never closed']);
    expect(scanQml('A { x: "open\n}').errors[0]).toContain('unterminated string');
    expect(scanQml('A { /* x }').errors[0]).toContain('unterminated /*');
    expect(scanQml('A { f(] }').errors.length).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// the page

describe('gui-qml/gui-v1/PageSmallBms.qml', () => {
  const qml = fs.readFileSync(PAGE_SRC, 'utf8');
  const code = qml.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

  test('is balanced: braces, brackets, parentheses, strings, comments', () => {
    expect(scanQml(qml).errors).toEqual([]);
  });

  test('is a QtQuick 1.1 MbPage of the classic gui, with its imports', () => {
    const lines = code.split('\n').filter((l) => l.trim());
    expect(lines.slice(0, 3)).toEqual([
      'import QtQuick 1.1',
      'import com.victron.velib 1.0',
      'import "utils.js" as Utils',
    ]);
    expect(lines[3]).toBe('MbPage {');
    // gui-v2 only types have no place here
    expect(code).not.toMatch(
      /VeQuickItem|Victron\.VenusOS|required property|ListSpinBox|\bconst\b|\blet\b|=>/,
    );
    for (const t of code.matchAll(/^\s*([A-Z][A-Za-z]+)\s*\{/gm)) {
      expect([
        'MbPage',
        'VisibleItemModel',
        'MbItemText',
        'MbItemValue',
        'MbItemAlarm',
        'MbSwitch',
        'MbSpinBox',
        'MbSubMenu',
        'Component',
      ]).toContain(t[1]);
    }
  });

  test('binds to our service and the first bank settings, paths of the contract', () => {
    expect(code).toContain('property string bindPrefix: "com.victronenergy.battery.smallbms"');
    expect(code).toContain(
      'property string settingsPrefix: "com.victronenergy.settings/Settings/SmallBms/Default"',
    );
    const service = [...code.matchAll(/Utils\.path\(root\.bindPrefix, "([^"]+)"\)/g)].map(
      (m) => m[1],
    );
    const allowed = [
      /^\/Bms\/State$/,
      /^\/Bms\/DryRun$/,
      /^\/Bms\/Countdown\/(LoadDisconnect|LowSocShutdown)$/,
      /^\/Bms\/LastEvent$/,
      /^\/Bms\/ChargeDetected$/,
      /^\/Bms\/Outputs\/(Load|Charge|PreAlarm)$/,
      /^\/Bms\/Lines\/(DischargeAllowed|ChargeAllowed|PreAlarm|Remote|CellOverVoltage|HighTemperature|LowTemperature)$/,
      /^\/Mode$/,
      /^\/Soc$/,
      /^\/Dc\/0\/(Voltage|Current)$/,
      /^\/Alarms\/(LowCellVoltage|LowSoc|BmsCable|HighCellVoltage|HighTemperature|LowChargeTemperature)$/,
    ];
    for (const s of service) expect(allowed.some((re) => re.test(s))).toBe(true);
    for (const role of [
      'DischargeAllowed',
      'ChargeAllowed',
      'PreAlarm',
      'Remote',
      'CellOverVoltage',
    ])
      expect(service).toContain(`/Bms/Lines/${role}`);
    for (const out of ['Load', 'Charge', 'PreAlarm'])
      expect(service).toContain(`/Bms/Outputs/${out}`);
    for (const c of ['LoadDisconnect', 'LowSocShutdown'])
      expect(service).toContain(`/Bms/Countdown/${c}`);
    expect(service).toEqual(
      expect.arrayContaining(['/Bms/State', '/Bms/LastEvent', '/Bms/DryRun']),
    );
  });

  test('remote on/off writes /Mode 3 (on) and 252 (standby), never 4', () => {
    const sw = /MbSwitch \{[^}]*"\/Mode"\)[^}]*\}/.exec(code);
    expect(sw).not.toBeNull();
    expect(sw![0]).toMatch(/valueTrue: 3\b/);
    expect(sw![0]).toMatch(/valueFalse: 252\b/);
    expect(code).toMatch(/MbSwitch \{[^}]*"\/Bms\/DryRun"\)/);
  });

  test('the tunables, with the ranges of the service', () => {
    const spins = new Map<string, { min: number; max: number }>();
    for (const m of code.matchAll(
      /bind: Utils\.path\(root\.settingsPrefix, "\/(\w+)"\)[^}]*?min: ([\d.]+)\s+max: ([\d.]+)/g,
    ))
      spins.set(m[1], { min: Number(m[2]), max: Number(m[3]) });
    expect(Object.fromEntries(spins)).toEqual({
      PreAlarmLead: { min: 30, max: 600 },
      DischargeFloor: { min: 0, max: 99 },
      LowSocMargin: { min: 1, max: 20 },
      LowSocShutdownDelay: { min: 30, max: 3600 },
      SocHysteresis: { min: 1, max: 20 },
      MinOffTime: { min: 0, max: 600 },
    });
    expect(count(code, 'MbSpinBox {')).toBe(6);
  });
});

// ---------------------------------------------------------------------------------------------
// install.sh --gui-v1

describe.each(shells)('install.sh --gui-v1 with %s', (shell) => {
  test('copies the page, adds one Settings entry inside the list, keeps a backup, restarts the gui', () => {
    const g = gx({ shell });
    const r = run(g, ['--gui-v1']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(p(g, PAGE))).toEqual(fs.readFileSync(PAGE_SRC));
    const menu = read(g, MENU);
    expect(count(menu, MARK)).toBe(1);
    expect(count(menu, 'PageSmallBms {}')).toBe(1);
    // the entry is in the model's list (depth 2), before its closing brace, after Debug
    const scan = scanQml(menu);
    expect(scan.errors).toEqual([]);
    const at = menu.indexOf('\t\tMbSubMenu {\n\t\t\tdescription: qsTr("smallBMS NG")');
    expect(at).toBeGreaterThan(menu.indexOf('PageDebug'));
    expect(at).toBeLessThan(menu.indexOf('\tComponent {\n\t\tid: later'));
    expect(scan.depthAt(at)).toBe(2);
    // our block taken out gives the stock file back
    expect(
      menu.replace(/^\/\/ >>> dbus-smallbms:.*\n[\s\S]*?^\/\/ <<< dbus-smallbms <<<\n/m, ''),
    ).toBe(STOCK);
    expect(read(g, BACKUP)).toBe(STOCK);
    expect(guiRestarts(g)).toHaveLength(1);
    expect(mounts(g)).toEqual([]);
    expect(r.out).toContain('modifies the ROOT filesystem');
    expect(r.out).toContain('firmware update');
    expect(r.out).toContain('install.sh --gui-v1 again');
    // the service side is installed as usual
    expect(exists(g, `${APP}/gui-v1/PageSmallBms.qml`)).toBe(true);
    expect(fs.readlinkSync(p(g, 'service/dbus-smallbms'))).toBe(
      p(g, 'data/apps/enabled/dbus-smallbms/service'),
    );
  });

  test('is idempotent: a second run adds no second entry and changes nothing under /opt', () => {
    const g = gx({ shell });
    expect(run(g, ['--gui-v1']).code).toBe(0);
    const opt = tree(p(g, 'opt'));
    const backup = read(g, BACKUP);
    clearCalls(g);
    const r = run(g, ['--gui-v1']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Already installed');
    expect(tree(p(g, 'opt'))).toEqual(opt);
    expect(count(read(g, MENU), MARK)).toBe(1);
    expect(read(g, BACKUP)).toBe(backup);
    expect(guiRestarts(g)).toEqual([]);
    expect(mounts(g)).toEqual([]);
  });

  test('without --gui-v1 nothing under /opt is touched, and the gui is not restarted', () => {
    const g = gx({ shell });
    const opt = tree(p(g, 'opt'));
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(tree(p(g, 'opt'))).toEqual(opt);
    expect(exists(g, PAGE)).toBe(false);
    expect(exists(g, `${APP}/gui-v1-backup`)).toBe(false);
    expect(guiRestarts(g)).toEqual([]);
    expect(r.out).not.toContain('--gui-v1');
  });

  test('uninstall removes the page and restores PageSettings.qml byte for byte', () => {
    const g = gx({ shell });
    const before = fs.readFileSync(p(g, MENU));
    const mode = fs.statSync(p(g, MENU)).mode;
    expect(run(g, ['--gui-v1']).code).toBe(0);
    clearCalls(g);
    const r = run(g, ['--uninstall'], { script: p(g, `${APP}/install.sh`) });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(p(g, MENU))).toEqual(before);
    expect(fs.statSync(p(g, MENU)).mode).toBe(mode);
    expect(exists(g, PAGE)).toBe(false);
    expect(exists(g, APP)).toBe(false);
    expect(fs.readdirSync(p(g, QML)).sort()).toEqual(['PageSettings.qml', 'utils.js']);
    expect(guiRestarts(g)).toHaveLength(1);
    expect(mounts(g)).toEqual([]);
  });

  test('--dry-run changes nothing: install --gui-v1, then uninstall', () => {
    const g = gx({ shell });
    const all = tree(g.root);
    const r = run(g, ['--gui-v1', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `[dry-run] cp ${path.join(g.pkg, 'gui-v1/PageSmallBms.qml')} ${p(g, PAGE)}`,
    );
    expect(r.out).toContain(`[dry-run] update ${p(g, MENU)}`);
    expect(tree(g.root)).toEqual(all);
    expect(calls(g).filter((c) => c.startsWith('svc'))).toEqual([]);

    expect(run(g, ['--gui-v1']).code).toBe(0);
    const installed = tree(g.root);
    clearCalls(g);
    const u = run(g, ['--uninstall', '--dry-run'], { script: p(g, `${APP}/install.sh`) });
    expect(u.code).toBe(0);
    expect(u.out).toContain(`[dry-run] restore ${p(g, MENU)} from ${p(g, BACKUP)}`);
    expect(u.out).toContain(`[dry-run] rm -f ${p(g, PAGE)}`);
    expect(tree(g.root)).toEqual(installed);
    expect(calls(g).filter((c) => c.startsWith('svc'))).toEqual([]);
  });

  test('refuses cleanly when the classic gui is missing (gui-v2-only image): nothing changed', () => {
    const g = gx({ shell, classic: false });
    const all = tree(g.root);
    const r = run(g, ['--gui-v1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('classic GUI is not on this GX');
    expect(r.stderr).toContain('Nothing was changed');
    expect(tree(g.root)).toEqual(all);
    expect(calls(g).filter((c) => c.startsWith('svc'))).toEqual([]);
  });

  test('refuses a PageSettings.qml of unknown layout: nothing changed', () => {
    const g = gx({ shell, stock: 'import QtQuick 1.1\n\nMbPage {\n\tmodel: someOtherModel\n}\n' });
    const all = tree(g.root);
    const r = run(g, ['--gui-v1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not have the layout');
    expect(tree(g.root)).toEqual(all);
  });

  test('an update without --gui-v1 keeps the backup; uninstall still restores', () => {
    const g = gx({ shell });
    expect(run(g, ['--gui-v1']).code).toBe(0);
    const menu = read(g, MENU);
    fs.writeFileSync(path.join(g.pkg, 'VERSION'), '0.2.0\ntest\n');
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(read(g, `${APP}/VERSION`)).toContain('0.2.0');
    expect(read(g, BACKUP)).toBe(STOCK);
    expect(read(g, MENU)).toBe(menu);
    expect(run(g, ['--uninstall'], { script: p(g, `${APP}/install.sh`) }).code).toBe(0);
    expect(read(g, MENU)).toBe(STOCK);
  });

  test('after a firmware update: the installed copy re-applies it on the new stock file', () => {
    const g = gx({ shell });
    expect(run(g, ['--gui-v1']).code).toBe(0);
    // the update replaced the root filesystem: new stock page, our page gone
    fs.writeFileSync(p(g, MENU), NEW_STOCK);
    fs.rmSync(p(g, PAGE));
    const s = run(g, ['--status'], { script: p(g, `${APP}/install.sh`) });
    expect(s.out).toContain('run install.sh --gui-v1 again');
    clearCalls(g);
    const r = run(g, ['--gui-v1'], { script: p(g, `${APP}/install.sh`) });
    expect(r.code).toBe(0);
    expect(count(read(g, MENU), MARK)).toBe(1);
    expect(exists(g, PAGE)).toBe(true);
    expect(read(g, BACKUP)).toBe(NEW_STOCK);
    expect(guiRestarts(g)).toHaveLength(1);
    expect(run(g, ['--uninstall'], { script: p(g, `${APP}/install.sh`) }).code).toBe(0);
    expect(read(g, MENU)).toBe(NEW_STOCK);
  });

  test('uninstall after a firmware update (nothing of ours left in /opt) touches nothing there', () => {
    const g = gx({ shell });
    expect(run(g, ['--gui-v1']).code).toBe(0);
    fs.writeFileSync(p(g, MENU), NEW_STOCK);
    fs.rmSync(p(g, PAGE));
    const opt = tree(p(g, 'opt'));
    clearCalls(g);
    expect(run(g, ['--uninstall'], { script: p(g, `${APP}/install.sh`) }).code).toBe(0);
    expect(tree(p(g, 'opt'))).toEqual(opt);
    expect(guiRestarts(g)).toEqual([]);
  });

  test('uninstall keeps changes someone else made to PageSettings.qml since, removing only our entry', () => {
    const g = gx({ shell });
    expect(run(g, ['--gui-v1']).code).toBe(0);
    const other = '//////// added by another add-on\n';
    fs.writeFileSync(p(g, MENU), other + read(g, MENU));
    const r = run(g, ['--uninstall'], { script: p(g, `${APP}/install.sh`) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('removing only our entry');
    expect(read(g, MENU)).toBe(other + STOCK);
  });

  test('--gui-v1 goes with install only', () => {
    const g = gx({ shell });
    const r = run(g, ['--status', '--gui-v1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--gui-v1 only goes with install');
  });
});
