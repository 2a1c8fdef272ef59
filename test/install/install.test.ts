/**
 * install.sh against a fake GX root: install, update, firmware update, uninstall, purge,
 * dry runs, preflight failures, relay/input consent and --status.
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  addRuntime,
  busybox,
  calls,
  cleanup,
  clearCalls,
  FakeGx,
  makeGx,
  makePackage,
  readSettings,
  run,
  tree,
  userConfig,
  writeConfig,
  writeSettings,
} from './helpers';

const APP = 'data/apps/available/dbus-smallbms';
const CONFIG = 'data/conf/smallbms.json';
const MARK = '# >>> dbus-smallbms:';

const shells: Array<'sh' | 'busybox'> = busybox ? ['sh', 'busybox'] : ['sh'];
if (!busybox) {
  // CI may lack busybox; the GX runs BusyBox ash, so say that this pass was skipped.
  console.warn('busybox not found: install.sh tests run with sh only (apt-get install busybox)');
}

let gxs: FakeGx[] = [];
function gx(opts: Parameters<typeof makeGx>[0] = {}): FakeGx {
  const g = makeGx(opts);
  gxs.push(g);
  return g;
}
afterEach(() => {
  for (const g of gxs) cleanup(g);
  gxs = [];
});

const p = (g: FakeGx, rel: string) => path.join(g.root, rel);
const read = (g: FakeGx, rel: string) => fs.readFileSync(p(g, rel), 'utf8');
const exists = (g: FakeGx, rel: string) => {
  try {
    fs.lstatSync(p(g, rel));
    return true;
  } catch {
    return false;
  }
};
const count = (text: string, needle: string) => text.split(needle).length - 1;

/**
 * A dry run's messages say what would happen: none of them reports a change as done (the
 * "[dry-run]" lines list the actions themselves).
 */
const DONE_WORDS = [
  /^(Installing|Updating|Reinstalling|Removing|Restoring|Setting|Left|Kept|Not changed)\b/m,
  /^Relay \d+ shown/m,
  /wrote the example config|is installed but|is running\b|: removing it|removing only our entry/,
];
function expectOnlyWould(out: string): void {
  for (const re of DONE_WORDS) expect([re, re.exec(out)?.[0]]).toEqual([re, undefined]);
}

describe.each(shells)('install.sh with %s', (shell) => {
  test('fresh install without a config: files, links, boot hook, example config, not started', () => {
    const g = gx({ shell });
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Venus OS firmware: v3.70');
    expect(r.out).toContain('wrote the example config');
    for (const f of [
      'smallbms.js',
      'smallbms',
      'install.sh',
      'VERSION',
      'service/run',
      'service/log/run',
    ])
      expect(exists(g, `${APP}/${f}`)).toBe(true);
    expect(fs.statSync(p(g, `${APP}/service/run`)).mode & 0o111).toBeTruthy();
    expect(fs.readlinkSync(p(g, 'data/apps/enabled/dbus-smallbms'))).toBe(
      '../available/dbus-smallbms',
    );
    expect(fs.readlinkSync(p(g, 'service/dbus-smallbms'))).toBe(
      p(g, 'data/apps/enabled/dbus-smallbms/service'),
    );
    expect(read(g, CONFIG)).toBe(read(g, `${APP}/conf/smallbms.cerbo-gx.example.json`));
    const rc = read(g, 'data/rc.local');
    expect(rc.startsWith('#!/bin/sh\n')).toBe(true);
    expect(count(rc, MARK)).toBe(1);
    expect(fs.statSync(p(g, 'data/rc.local')).mode & 0o100).toBeTruthy();
    // an unreviewed example must not drive relays: held down, not started
    expect(exists(g, `${APP}/service/down`)).toBe(true);
    expect(calls(g).filter((c) => c.startsWith('svc -u'))).toEqual([]);
    expect(calls(g).filter((c) => c.includes('SetValue'))).toEqual([]);
    expect(r.out).toContain('not started');
  });

  test('writes only under /data and /service: the package, /opt and the rest are untouched', () => {
    const g = gx({ shell });
    writeConfig(g, userConfig);
    const pkg = tree(g.pkg);
    const opt = tree(p(g, 'opt'));
    const outside = tree(g.dir).filter(
      (l) => !/^(root\/(data|service)\/|calls\.log|settings\.tsv)/.test(l),
    );
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    expect(run(g, ['--status']).code).toBe(0);
    expect(tree(g.pkg)).toEqual(pkg);
    expect(tree(p(g, 'opt'))).toEqual(opt);
    expect(fs.readdirSync(g.root).sort()).toEqual(['data', 'opt', 'service']);
    expect(
      tree(g.dir).filter((l) => !/^(root\/(data|service)\/|calls\.log|settings\.tsv)/.test(l)),
    ).toEqual(outside);
  });

  test('install with a valid config starts the service', () => {
    const g = gx({ shell });
    writeConfig(g, userConfig);
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).toContain('is valid (kept)');
    expect(exists(g, `${APP}/service/down`)).toBe(false);
    expect(calls(g)).toContain(`svc -u ${p(g, 'service/dbus-smallbms')}`);
    expect(r.out).toContain('is running');
  });

  test('second install: same tree, rc.local block not duplicated', () => {
    const g = gx({ shell });
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    const first = tree(g.root);
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Reinstalling dbus-smallbms 0.1.0');
    expect(tree(g.root)).toEqual(first);
    expect(count(read(g, 'data/rc.local'), MARK)).toBe(1);
    // the running service is stopped (supervise told to exit) before the swap
    const log = calls(g).join('\n');
    expect(log).toContain(`svc -dx ${p(g, 'service/dbus-smallbms')}`);
  });

  test('update keeps the config, the history and the user lines of rc.local', () => {
    const g = gx({ shell });
    fs.writeFileSync(p(g, 'data/rc.local'), '#!/bin/sh\necho user line\n', { mode: 0o755 });
    const config = writeConfig(g, { ...userConfig, comment: 'mine' });
    expect(run(g, []).code).toBe(0);
    fs.writeFileSync(p(g, 'data/dbus-smallbms/events.jsonl'), '{"event":1}\n');
    const newer = makePackage(path.join(g.dir, 'pkg2'), '0.2.0');
    const r = run(g, [], { script: path.join(newer, 'install.sh') });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Updating dbus-smallbms 0.1.0 -> 0.2.0');
    expect(read(g, `${APP}/VERSION`).split('\n')[0]).toBe('0.2.0');
    expect(JSON.parse(fs.readFileSync(config, 'utf8')).comment).toBe('mine');
    expect(read(g, 'data/dbus-smallbms/events.jsonl')).toBe('{"event":1}\n');
    const rc = read(g, 'data/rc.local');
    expect(rc).toContain('echo user line');
    expect(count(rc, MARK)).toBe(1);
    expect(fs.readdirSync(p(g, 'data/apps/available'))).toEqual(['dbus-smallbms']);
  });

  test('update with a config the new version refuses changes nothing', () => {
    const g = gx({ shell });
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    writeConfig(g, { ...userConfig, invalid: true });
    const before = tree(g.root);
    clearCalls(g);
    const r = run(g, []);
    expect(r.code).toBe(1);
    expect(r.out).toContain('/invalid: the fixture refuses this config');
    expect(r.out).toContain('keeps running');
    expect(tree(g.root)).toEqual(before);
    expect(calls(g).filter((c) => c.startsWith('svc'))).toEqual([]);
  });

  test('fresh install with an invalid config keeps the files but does not start', () => {
    const g = gx({ shell });
    writeConfig(g, { ...userConfig, invalid: true });
    const r = run(g, []);
    expect(r.code).toBe(1);
    expect(r.out).toContain('/invalid: the fixture refuses this config');
    expect(r.out).toContain('NOT started');
    expect(exists(g, `${APP}/smallbms.js`)).toBe(true);
    expect(exists(g, `${APP}/service/down`)).toBe(true);
    expect(calls(g).filter((c) => c.startsWith('svc -u'))).toEqual([]);
  });

  test('an update cut off mid-swap is recovered by the next run', () => {
    const g = gx({ shell });
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    // as if interrupted between "mv app old" and "mv new app"
    fs.renameSync(p(g, APP), p(g, 'data/apps/available/.dbus-smallbms.old.999'));
    fs.mkdirSync(p(g, 'data/apps/available/.dbus-smallbms.new.999'));
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).toContain('interrupted update');
    expect(fs.readdirSync(p(g, 'data/apps/available'))).toEqual(['dbus-smallbms']);
  });

  test('firmware update: wipe all but /data, run rc.local, the /service link is back', () => {
    const g = gx({ shell });
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    for (const name of fs.readdirSync(g.root))
      if (name !== 'data') fs.rmSync(p(g, name), { recursive: true, force: true });
    fs.mkdirSync(p(g, 'service')); // the boot's fresh RAM copy, without our link
    expect(exists(g, 'service/dbus-smallbms')).toBe(false);
    const r = spawnSync(p(g, 'data/rc.local'), [], { encoding: 'utf8', env: { PATH: g.bin } });
    expect(r.status).toBe(0);
    expect(fs.readlinkSync(p(g, 'service/dbus-smallbms'))).toBe(
      p(g, 'data/apps/enabled/dbus-smallbms/service'),
    );
    expect(fs.existsSync(p(g, 'service/dbus-smallbms/run'))).toBe(true);
    // running it again (a second boot hook run) changes nothing
    const before = tree(g.root);
    spawnSync(p(g, 'data/rc.local'), [], { env: { PATH: g.bin } });
    expect(tree(g.root)).toEqual(before);
  });

  test('uninstall leaves the tree exactly as before (with a user rc.local)', () => {
    const g = gx({ shell });
    fs.writeFileSync(p(g, 'data/rc.local'), '#!/bin/sh\n# mine\necho hello\n', { mode: 0o644 });
    fs.mkdirSync(p(g, 'data/apps/enabled'), { recursive: true });
    writeConfig(g, userConfig);
    const before = tree(g.root);
    const settingsBefore = readSettings(g);
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    expect(tree(g.root)).not.toEqual(before);
    const r = run(g, ['--uninstall']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Kept your config');
    expect(tree(g.root)).toEqual(before);
    expect(readSettings(g)).toEqual(settingsBefore);
    expect(calls(g)).toContain(`svc -d ${p(g, 'service/dbus-smallbms')}`);
  });

  test('uninstall after a fresh install removes everything it made, the example config too', () => {
    const g = gx({ shell });
    const before = tree(g.root);
    expect(run(g, []).code).toBe(0);
    const r = run(g, ['--uninstall'], { script: p(g, `${APP}/install.sh`) });
    expect(r.code).toBe(0);
    expect(tree(g.root)).toEqual(before);
  });

  test('purge removes config, history, logs and our localsettings', () => {
    const g = gx({ shell });
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    fs.writeFileSync(p(g, 'data/dbus-smallbms/events.jsonl'), '{}\n');
    fs.mkdirSync(p(g, 'data/log/dbus-smallbms'), { recursive: true });
    fs.writeFileSync(p(g, 'data/log/dbus-smallbms/current'), 'log\n');
    writeSettings(g.store, {
      ...readSettings(g),
      '/Settings/SmallBms/Default/PreAlarmLeadS': 30,
      '/Settings/SmallBms/Default/Mode': 3,
      '/Settings/Devices/smallbms_Default/ClassAndVrmInstance': "'battery:512'",
      '/Settings/Devices/ttyS5/ClassAndVrmInstance': "'battery:1'",
    });
    const r = run(g, ['--uninstall', '--purge']);
    expect(r.code).toBe(0);
    for (const rel of [CONFIG, 'data/dbus-smallbms', 'data/log/dbus-smallbms', APP])
      expect(exists(g, rel)).toBe(false);
    const settings = readSettings(g);
    expect(Object.keys(settings).filter((k) => /SmallBms|smallbms/.test(k))).toEqual([]);
    expect(settings['/Settings/Devices/ttyS5/ClassAndVrmInstance']).toBe("'battery:1'");
    expect(calls(g).some((c) => c.includes('RemoveSettings'))).toBe(true);
  });

  test.each([
    ['install', [] as string[]],
    ['update', [] as string[]],
    ['uninstall', ['--uninstall']],
    ['purge', ['--uninstall', '--purge']],
  ])('--dry-run %s changes nothing', (what, args) => {
    const g = gx({ shell });
    writeConfig(g, userConfig);
    if (what !== 'install') expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    const before = tree(g.root);
    const settings = readSettings(g);
    clearCalls(g);
    const r = run(g, args.length ? [...args, '--dry-run'] : ['--dry-run', '--set-relays', '--yes']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('[dry-run]');
    expect(r.out).toContain('nothing was changed');
    expectOnlyWould(r.out);
    expect(tree(g.root)).toEqual(before);
    expect(readSettings(g)).toEqual(settings);
    expect(calls(g).filter((c) => /^svc|SetValue|RemoveSettings/.test(c))).toEqual([]);
  });
});

describe('--dry-run says what would happen', () => {
  test('fresh install without a config: would write the example, would not start', () => {
    const g = gx();
    const r = run(g, ['--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Would install dbus-smallbms 0.1.0');
    expect(r.out).toContain(`No config found: would write the example config to ${p(g, CONFIG)}.`);
    expect(r.out).toContain('Then edit it for your wiring');
    expect(r.out).toContain('dbus-smallbms 0.1.0 would be installed but not started');
    expect(r.out).toContain('Dry run finished: nothing was changed.');
    expectOnlyWould(r.out);
    expect(exists(g, CONFIG)).toBe(false);
  });

  test('install with --set-relays: would set each setting, would start', () => {
    const g = gx();
    writeConfig(g, userConfig);
    const r = run(g, ['--dry-run', '--set-relays', '--yes']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Would set /Settings/Relay/Function from 0 to 2');
    expect(r.out).toContain('dbus-smallbms 0.1.0 would be started.');
    expectOnlyWould(r.out);
    expect(readSettings(g)['/Settings/Relay/Function']).toBe('0');
  });

  test('install with an invalid config: would not start, exits 1 after the dry-run summary', () => {
    const g = gx();
    writeConfig(g, { ...userConfig, invalid: true });
    const r = run(g, ['--dry-run']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('would be installed but NOT started: the config is not valid');
    expect(r.out).toContain('Dry run finished: nothing was changed.');
    expectOnlyWould(r.out);
  });

  test('uninstall: would restore, would show, would remove the example, would keep', () => {
    const g = gx();
    expect(run(g, []).code).toBe(0);
    // a relay setting changed by an earlier --set-relays, and a relay the service hid
    fs.appendFileSync(
      p(g, 'data/dbus-smallbms/install-state'),
      'setting /Settings/Relay/1/Function 0 2\n',
    );
    fs.writeFileSync(p(g, 'data/dbus-smallbms/relay-ui'), '1 1\n');
    fs.writeFileSync(p(g, 'data/dbus-smallbms/events.jsonl'), '');
    const before = tree(g.root);
    const r = run(g, ['--uninstall', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Would remove dbus-smallbms 0.1.0');
    expect(r.out).toContain('Would restore /Settings/Relay/1/Function to 0');
    expect(r.out).toContain('Would show relay 2 in the Switches pane again');
    expect(r.out).toContain('unedited example written by install.sh: would remove it');
    expect(r.out).toContain('Would keep the event history');
    expectOnlyWould(r.out);
    expect(tree(g.root)).toEqual(before);
  });
});

describe('preflight', () => {
  test('not a Venus OS device', () => {
    const g = gx({ venus: null });
    const r = run(g, []);
    expect(r.code).toBe(1);
    expect(r.out).toContain('not a Venus OS device');
    expect(fs.existsSync(p(g, 'data/apps'))).toBe(false);
  });

  test('Venus OS too old', () => {
    const r = run(gx({ venus: 'v3.01' }), []);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Venus OS v3\.01 is too old: .* needs v3\.10/);
  });

  test('Venus OS between 3.10 and 3.70: installs, says the GUI plugin needs 3.70', () => {
    const r = run(gx({ venus: 'v3.55~3' }), []);
    expect(r.code).toBe(0);
    expect(r.out).toContain('gui-v2 plugin');
    expect(r.out).toContain('v3.70 or later');
  });

  test('no node and no runtime: names the runtime artifact and Venus OS Large', () => {
    const r = run(gx({ node: 'none' }), []);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Node.js is not installed');
    expect(r.out).toContain('*Large*');
    expect(r.out).toContain('dbus-smallbms-runtime-node*-armv7l.tar.gz');
    expect(r.out).toContain('Image type: Large');
  });

  test('a bundled runtime that does not start (a library missing): refused with its error, nothing changed', () => {
    const g = gx({ node: 'none', runtime: true });
    const bin = path.join(g.pkg, 'runtime/bin/node');
    fs.writeFileSync(
      bin,
      '#!/bin/sh\necho "node: error while loading shared libraries: libatomic.so.1: cannot open shared object file" >&2\nexit 127\n',
    );
    fs.chmodSync(bin, 0o755);
    const before = tree(g.root);
    const r = run(g, []);
    expect(r.code).toBe(1);
    expect(r.out).toContain('the bundled runtime does not start on this GX');
    expect(r.out).toContain('libatomic.so.1');
    expect(r.out).toContain('Nothing was changed');
    expect(tree(g.root)).toEqual(before);
  });

  test('node too old and no runtime: refused, names the runtime artifact', () => {
    const r = run(gx({ node: 'old' }), []);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Node.js v16.20.2 is too old');
    expect(r.out).toContain('dbus-smallbms-runtime-node');
  });

  test('node of an untested major and no runtime: refused, names the runtime artifact', () => {
    const r = run(gx({ node: 'untested' }), []);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Node.js v22.1.0 is not a version dbus-smallbms is tested on');
    expect(r.out).toContain('dbus-smallbms-runtime-node');
  });

  test('not enough space on /data', () => {
    const g = gx();
    const r = run(g, [], { env: { FAKE_DF_AVAIL_KB: '2048' } });
    expect(r.code).toBe(1);
    expect(r.out).toContain('not enough free space on /data: 2 MB free, 10 MB needed');
    expect(fs.existsSync(p(g, 'data/apps'))).toBe(false);
  });

  test('usage errors exit 2', () => {
    const g = gx();
    expect(run(g, ['--bogus']).code).toBe(2);
    expect(run(g, ['--purge']).code).toBe(2);
    expect(run(g, ['--help']).code).toBe(0);
  });
});

describe('relays and inputs', () => {
  test('without consent nothing changes, and the output says how to consent', () => {
    const g = gx();
    writeConfig(g, userConfig);
    const settings = readSettings(g);
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).toContain('/Settings/Relay/Function = 0 -> 2');
    expect(r.out).toContain('--set-relays');
    expect(readSettings(g)).toEqual(settings);
    expect(calls(g).filter((c) => c.includes('SetValue'))).toEqual([]);
  });

  test('--set-relays --yes sets them, records them, uninstall restores them', () => {
    const g = gx();
    writeConfig(g, userConfig);
    const before = readSettings(g);
    const r = run(g, ['--set-relays', '--yes']);
    expect(r.code).toBe(0);
    const set = calls(g).filter((c) => c.includes('SetValue'));
    expect(set).toEqual(
      expect.arrayContaining([
        'dbus com.victronenergy.settings /Settings/Relay/Function SetValue 2',
        'dbus com.victronenergy.settings /Settings/DigitalInput/1/Type SetValue 0',
        'dbus com.victronenergy.settings /Settings/DigitalInput/3/Type SetValue 10',
      ]),
    );
    expect(set).toHaveLength(3); // relay 2 was manual already
    const s = readSettings(g);
    expect(s['/Settings/Relay/Function']).toBe('2');
    expect(s['/Settings/DigitalInput/1/Type']).toBe('0');
    expect(s['/Settings/DigitalInput/3/Type']).toBe('10');
    const state = read(g, 'data/dbus-smallbms/install-state');
    expect(state).toContain('setting /Settings/Relay/Function 0 2');
    // a reinstall keeps the value from before the first install
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    expect(read(g, 'data/dbus-smallbms/install-state')).toContain(
      'setting /Settings/Relay/Function 0 2',
    );
    expect(run(g, ['--uninstall']).code).toBe(0);
    expect(readSettings(g)).toEqual(before);
  });

  test('uninstall shows the relays the service hid from the Switches pane again', () => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    // What the service writes when it hides relays 1 and 2 (ShowUIControl was 1 and 1).
    fs.writeFileSync(p(g, 'data/dbus-smallbms/relay-ui'), '0 1\n1 1\n');
    const r = run(g, ['--uninstall']);
    expect(r.code).toBe(0);
    const set = calls(g).filter((c) => c.includes('ShowUIControl'));
    expect(set).toEqual([
      'dbus com.victronenergy.system /SwitchableOutput/0/Settings/ShowUIControl SetValue 1',
      'dbus com.victronenergy.system /SwitchableOutput/1/Settings/ShowUIControl SetValue 1',
    ]);
    expect(r.out).toContain('Relay 2 shown in the Switches pane again (ShowUIControl = 1).');
    expect(fs.existsSync(p(g, 'data/dbus-smallbms/relay-ui'))).toBe(false);
  });

  test.each(shells)(
    'an alarm type on a digitalinput input is kept, with a warning at install and in status (%s)',
    (shell) => {
      const g = gx({
        shell,
        settings: {
          '/Settings/Relay/Function': 2,
          '/Settings/Relay/1/Function': 2,
          '/Settings/DigitalInput/1/Type': 0,
          '/Settings/DigitalInput/3/Type': 2,
        },
      });
      writeConfig(g, userConfig);
      const r = run(g, ['--set-relays', '--yes']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(
        'WARNING: digital input 3 type is 2 (door), not generic I/O (10): dbus-smallbms reads it, but Venus treats it as a door input',
      );
      expect(r.stderr).toContain(
        'dbus -y com.victronenergy.settings /Settings/DigitalInput/3/Type SetValue 10',
      );
      expect(calls(g).filter((c) => c.includes('SetValue'))).toEqual([]);
      expect(readSettings(g)['/Settings/DigitalInput/3/Type']).toBe('2');
      const s = run(g, ['--status']);
      expect(s.code).toBe(0); // Venus publishes it: a warning, not a problem
      expect(s.stderr).toContain('digital input 3 type is 2 (door)');
      expect(s.out).toContain('No problems found');
      // generic I/O: no warning
      writeSettings(g.store, { ...readSettings(g), '/Settings/DigitalInput/3/Type': 10 });
      expect(run(g, ['--status']).stderr).not.toContain('digital input 3');
      // generator: the warning names what Venus does with a generator input
      writeSettings(g.store, { ...readSettings(g), '/Settings/DigitalInput/3/Type': 9 });
      const gen = run(g, ['--status']);
      expect(gen.code).toBe(0);
      expect(gen.stderr).toContain('type is 9 (generator)');
      expect(gen.stderr).toContain('a generator runs or stops with it');
    },
  );

  test('touch enable (11) is not published by Venus: --set-relays takes it, status flags it', () => {
    const g = gx({
      settings: {
        '/Settings/Relay/Function': 2,
        '/Settings/Relay/1/Function': 2,
        '/Settings/DigitalInput/1/Type': 0,
        '/Settings/DigitalInput/3/Type': 11,
      },
    });
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    const s = run(g, ['--status']);
    expect(s.code).toBe(1);
    expect(s.out).toContain('digital input 3 type is 11: Venus does not publish it');
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    expect(calls(g)).toContain(
      'dbus com.victronenergy.settings /Settings/DigitalInput/3/Type SetValue 10',
    );
  });

  test('uninstall leaves a setting the user changed since install', () => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    writeSettings(g.store, { ...readSettings(g), '/Settings/Relay/Function': 4 });
    const r = run(g, ['--uninstall']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Left /Settings/Relay/Function = 4');
    expect(readSettings(g)['/Settings/Relay/Function']).toBe('4');
  });
});

describe('no dbus command', () => {
  const noDbus = (g: FakeGx) => fs.rmSync(path.join(g.bin, 'dbus'));

  test('install says once that dbus is missing, not a warning per relay or input', () => {
    const g = gx();
    writeConfig(g, userConfig);
    noDbus(g);
    const r = run(g, ['--set-relays', '--yes']);
    expect(r.code).toBe(0);
    expect(count(r.out, 'dbus command is not on PATH')).toBe(1);
    expect(r.stderr).toContain(
      'the GX settings of what the config uses (digital input 3, digital input 1, relay 1, relay 2) were not checked or changed',
    );
    expect(r.out).not.toContain('cannot read /Settings');
    expect(r.out).toContain('is running');
  });

  test('--status counts the unchecked settings as a problem', () => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    noDbus(g);
    const r = run(g, ['--status']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('GX settings: not checked');
    expect(r.out).toContain('problem: the dbus command is not on PATH');
    expect(r.out).toContain('1 problem(s) found.');
  });

  test('uninstall --purge names the missing tool once and prints what to restore by hand', () => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    fs.writeFileSync(p(g, 'data/dbus-smallbms/relay-ui'), '1 1\n');
    noDbus(g);
    const dry = run(g, ['--uninstall', '--purge', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(count(dry.out, 'dbus command is not on PATH')).toBe(1);
    expect(dry.out).toContain('changed would not be restored; set them back by hand');
    expect(dry.out).toContain('Switches pane would stay hidden');
    expect(dry.out).toContain(
      'localsettings (/Settings/SmallBms, /Settings/Devices/*smallbms*) would not be removed',
    );
    const r = run(g, ['--uninstall', '--purge']);
    expect(r.code).toBe(0);
    expect(count(r.out, 'dbus command is not on PATH')).toBe(1);
    expect(r.out).toMatch(
      /set them back by hand: (dbus -y com\.victronenergy\.settings \S+ SetValue \d+; ){2}dbus -y com\.victronenergy\.settings \/Settings\/Relay\/Function SetValue 0\n/,
    );
    expect(r.out).toContain(
      'no dbus command: the relays dbus-smallbms hid from the Switches pane stay hidden; show them again by hand: dbus -y com.victronenergy.system /SwitchableOutput/1/Settings/ShowUIControl SetValue 1',
    );
    expect(r.out).toContain('no dbus command: the dbus-smallbms settings in localsettings');
    expect(r.out).not.toMatch(/not found|could not restore/);
  });
});

describe('boot hooks', () => {
  test('custom start-up scripts disabled by Venus v3.70+ (rc.local.disabled): no new rc.local, our block in the renamed file, status says how to re-enable', () => {
    const g = gx();
    fs.writeFileSync(p(g, 'data/rc.local.disabled'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    writeConfig(g, userConfig);
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).toContain('disabled the custom start-up scripts');
    expect(r.out).toContain('will NOT start again after a reboot');
    expect(fs.existsSync(p(g, 'data/rc.local'))).toBe(false);
    // the user's lines stay; our block comes back with them when the scripts are re-enabled
    const disabled = read(g, 'data/rc.local.disabled');
    expect(disabled.startsWith('#!/bin/sh\necho mine\n')).toBe(true);
    expect(count(disabled, MARK)).toBe(1);
    expect(run(g, []).code).toBe(0);
    expect(count(read(g, 'data/rc.local.disabled'), MARK)).toBe(1); // once, after a rerun
    writeSettings(g.store, { ...readSettings(g), '/ModificationChecks/SystemHooksState': 1 });
    const s = run(g, ['--status']);
    expect(s.code).toBe(1);
    expect(s.out).toContain('custom start-up scripts are disabled by Venus OS');
    expect(s.out).toContain(
      'Settings > General > Modification checks > Re-enable custom startup scripts',
    );
    expect(s.out).toContain(
      'dbus -y com.victronenergy.platform /ModificationChecks/Action SetValue 2',
    );
    // what venus-platform's "enable" does: rename it back; the block is there
    fs.renameSync(p(g, 'data/rc.local.disabled'), p(g, 'data/rc.local'));
    writeSettings(g.store, { ...readSettings(g), '/ModificationChecks/SystemHooksState': 4 });
    const after = run(g, ['--status']);
    expect(after.out).toContain('Boot hook: present in /data/rc.local');
    expect(after.out).toContain('did not run at this boot');
    // uninstall takes our block out of either file
    fs.renameSync(p(g, 'data/rc.local'), p(g, 'data/rc.local.disabled'));
    expect(run(g, ['--uninstall']).code).toBe(0);
    expect(read(g, 'data/rc.local.disabled')).toBe('#!/bin/sh\necho mine\n');
  });

  test('Venus before v3.70: all modifications disabled (AllModificationsEnabled = 0) is warned at install and in status', () => {
    const g = gx({ venus: 'v3.67' });
    writeSettings(g.store, {
      ...readSettings(g),
      '/Settings/System/ModificationChecks/AllModificationsEnabled': 0,
    });
    writeConfig(g, userConfig);
    const r = run(g, []);
    expect(r.out).toContain('AllModificationsEnabled = 0');
    const s = run(g, ['--status']);
    expect(s.out).toContain('all modifications are disabled');
  });

  test('Venus v3.70+: the removed AllModificationsEnabled setting is not read', () => {
    const g = gx({ venus: 'v3.70' });
    writeSettings(g.store, {
      ...readSettings(g),
      '/Settings/System/ModificationChecks/AllModificationsEnabled': 0,
    });
    writeConfig(g, userConfig);
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('AllModificationsEnabled');
    expect(calls(g).join('\n')).not.toContain('AllModificationsEnabled');
    expect(run(g, ['--status']).out).not.toContain('all modifications are disabled');
  });
});

describe('Node.js runtime', () => {
  const nodeFile = (g: FakeGx) => read(g, `${APP}/node-runtime`).split('\n');

  test.each(shells)(
    'the GX has no Node.js (normal image): the bundled runtime runs the service (%s)',
    (shell) => {
      const g = gx({ node: 'none', runtime: true, shell });
      writeConfig(g, userConfig);
      const r = run(g, []);
      expect(r.code).toBe(0);
      expect(r.out).toContain(
        'Node.js: the bundled runtime v20.11.0 (this GX has no Node.js: the normal image)',
      );
      expect(nodeFile(g)[0]).toBe(p(g, `${APP}/runtime/bin/node`));
      expect(fs.statSync(p(g, `${APP}/runtime/bin/node`)).mode & 0o111).not.toBe(0);
      const s = run(g, ['--status']);
      expect(s.out).toContain(`Node.js: ${p(g, `${APP}/runtime/bin/node`)} v20.11.0, the bundled`);
      expect(s.out).toContain('is valid'); // the config was checked with the bundled runtime
      // an update with the small tarball only keeps the runtime (moved, not copied)
      const next = path.join(g.dir, 'next');
      fs.mkdirSync(next);
      const pkg2 = makePackage(next, '0.2.0');
      const u = run(g, [], { script: path.join(pkg2, 'install.sh') });
      expect(u.code).toBe(0);
      expect(u.out).toContain('the bundled runtime v20.11.0');
      expect(read(g, `${APP}/VERSION`)).toContain('0.2.0');
      expect(exists(g, `${APP}/runtime/bin/node`)).toBe(true);
      expect(nodeFile(g)[0]).toBe(p(g, `${APP}/runtime/bin/node`));
      // uninstall removes it with the app
      expect(run(g, ['--uninstall'], { script: path.join(pkg2, 'install.sh') }).code).toBe(0);
      expect(exists(g, APP)).toBe(false);
    },
  );

  test("the GX's own Node.js of a tested major is preferred over the bundled runtime", () => {
    const g = gx({ runtime: true });
    writeConfig(g, userConfig);
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Node\.js: the GX's own Node\.js v\d+\.\d+\.\d+ \(major \d+ is tested\)/);
    expect(nodeFile(g)[0]).toBe(path.join(g.bin, 'node'));
    // the runtime comes along all the same: the fallback should the image change
    expect(exists(g, `${APP}/runtime/bin/node`)).toBe(true);
    expect(run(g, ['--status']).out).toContain("the GX's own Node.js");
  });

  test('the GX has a Node.js of an untested major: the bundled runtime, and why', () => {
    const g = gx({ node: 'untested', runtime: true });
    writeConfig(g, userConfig);
    const r = run(g, []);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "the bundled runtime v20.11.0 (the GX's Node.js v22.1.0 is not a tested major: 18 20 24)",
    );
    expect(nodeFile(g)[0]).toBe(p(g, `${APP}/runtime/bin/node`));
  });

  test('the chosen Node.js is gone (image switched from Large to normal): status says so', () => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    fs.writeFileSync(p(g, `${APP}/node-runtime`), "/nonexistent/node\nthe GX's own Node.js\n");
    const s = run(g, ['--status']);
    expect(s.code).toBe(1);
    expect(s.out).toContain('/nonexistent/node (chosen at install');
    expect(s.out).toContain('is gone');
  });

  test('the service run script and the smallbms launcher run the recorded node, and fall back', () => {
    const g = gx();
    const app = path.join(g.dir, 'app');
    fs.mkdirSync(path.join(app, 'service'), { recursive: true });
    fs.copyFileSync(path.join(g.pkg, 'service/run'), path.join(app, 'service/run'));
    fs.copyFileSync(path.join(g.pkg, 'smallbms'), path.join(app, 'smallbms'));
    fs.writeFileSync(
      path.join(app, 'smallbms.js'),
      'console.log(process.argv.slice(2).join(" "))\n',
    );
    const fake = path.join(g.dir, 'mynode');
    fs.writeFileSync(fake, `#!/bin/sh\necho "mynode $*"\n`, { mode: 0o755 });
    const runIn = (cmd: string[], cwd: string) =>
      spawnSync(path.join(g.bin, 'sh'), cmd, {
        cwd,
        encoding: 'utf8',
        env: { PATH: g.bin, SMALLBMS_ROOT: g.root },
      });
    // no node-runtime file (an old install): the node on PATH
    let out = runIn(['run'], path.join(app, 'service')).stdout;
    expect(out).toContain(`run --config ${g.root}/data/conf/smallbms.json\n`);
    fs.writeFileSync(path.join(app, 'node-runtime'), `${fake}\nwhy\n`);
    out = runIn(['run'], path.join(app, 'service')).stdout;
    expect(out).toContain('mynode --max-old-space-size=48');
    expect(out).toContain(`${app}/smallbms.js run --config ${g.root}/data/conf/smallbms.json`);
    expect(runIn([path.join(app, 'smallbms'), 'status'], app).stdout).toContain('mynode');
    // the recorded node is gone: the bundled runtime
    fs.rmSync(fake);
    addRuntime(app);
    expect(runIn(['run'], path.join(app, 'service')).stdout).toContain(
      `run --config ${g.root}/data/conf/smallbms.json\n`,
    );
  });
});

describe('release checksums', () => {
  const sha = (file: string) =>
    crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  test.each(shells)(
    'a tarball beside the unpacked release is checked against SHA256SUMS; a damaged one stops the install (%s)',
    (shell) => {
      const g = gx({ shell });
      writeConfig(g, userConfig);
      const dl = path.dirname(g.pkg);
      const tgz = path.join(dl, 'dbus-smallbms-0.1.0.tar.gz');
      fs.writeFileSync(tgz, 'the release tarball');
      fs.writeFileSync(path.join(dl, 'SHA256SUMS'), `${sha(tgz)}  dbus-smallbms-0.1.0.tar.gz\n`);
      const ok = run(g, []);
      expect(ok.code).toBe(0);
      expect(ok.out).toContain('Checked dbus-smallbms-0.1.0.tar.gz against SHA256SUMS: OK');
      fs.rmSync(p(g, APP), { recursive: true });
      fs.writeFileSync(tgz, 'the release tarball, damaged');
      const bad = run(g, []);
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('does not match its SHA-256');
      expect(exists(g, APP)).toBe(false);
    },
  );
});

describe('--status', () => {
  test('not installed', () => {
    const r = run(gx(), ['--status']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('not installed');
  });

  test('installed and healthy: version, running, config, last 5 events', () => {
    const g = gx({
      settings: {
        '/Settings/Relay/Function': 2,
        '/Settings/Relay/1/Function': 2,
        '/Settings/DigitalInput/1/Type': 0,
        '/Settings/DigitalInput/3/Type': 10,
      },
    });
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    const r = run(g, ['--status']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Installed: dbus-smallbms 0.1.0');
    expect(r.out).toContain('Service: running (svstat: up (pid 4242) 5 seconds)');
    expect(r.out).toContain('is valid');
    expect(r.out).toContain('event 7');
    expect(r.out).toContain('event 3');
    expect(r.out).not.toContain('event 2');
    expect(r.out).toContain('No problems found');
  });

  test('problems: relay not manual, input watched, link and boot hook missing', () => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    fs.rmSync(p(g, 'service/dbus-smallbms'));
    fs.writeFileSync(p(g, 'data/rc.local'), '#!/bin/sh\n', { mode: 0o755 });
    const r = run(g, ['--status']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('relay 1 function is 0, not manual');
    expect(r.out).toContain('digital input 1 type is 10, not disabled');
    expect(r.out).toContain('digital input 3 type is 0');
    expect(r.out).toContain('service/dbus-smallbms is missing');
    expect(r.out).toContain('boot hook is missing');
  });

  // what daemontools' svstat says when no supervise runs the service directory
  test.each([
    ['never supervised', 'unable to open supervise/ok: file does not exist'],
    ['supervise gone', 'supervise not running'],
  ])('service not supervised (%s): said in words, a problem', (_what, text) => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    fs.writeFileSync(
      path.join(g.bin, 'svstat'),
      `#!/bin/sh\nfor d in "$@"; do echo "$d: ${text}"; done\n`,
      { mode: 0o755 },
    );
    const r = run(g, ['--status']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Service: not supervised (svscan is not running it; svstat: ${text})`);
    expect(r.out).toContain('problem: the service is not supervised, so it does not run:');
    expect(r.out).toContain(`svscan ${g.root}/service &`);
    expect(r.out).toContain('1 problem(s) found.');
    expect(r.out).not.toContain('No problems found');
  });

  test('service stopped (svc -d) or svstat missing: a problem', () => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, ['--set-relays', '--yes']).code).toBe(0);
    spawnSync(path.join(g.bin, 'svc'), ['-d', p(g, 'service/dbus-smallbms')], {
      env: { FAKE_LOG: g.log, PATH: g.bin },
    });
    let r = run(g, ['--status']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Service: stopped (svstat: down 5 seconds, normally up)');
    expect(r.out).toContain('problem: the service is stopped: start it with svc -u');
    expect(r.out).toContain('1 problem(s) found.');
    fs.rmSync(path.join(g.bin, 'svstat'));
    r = run(g, ['--status']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('problem: cannot tell whether the service runs: the svstat command');
  });

  test('held down: reported once, as held down', () => {
    const g = gx();
    expect(run(g, []).code).toBe(0); // the example config: held down
    const r = run(g, ['--status']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Service: stopped (svstat: down 5 seconds, normally up)');
    expect(r.out).toContain('problem: the service is held down');
    expect(r.out).not.toContain('the service is stopped');
  });

  test('events command missing: tolerated', () => {
    const g = gx();
    writeConfig(g, userConfig);
    expect(run(g, []).code).toBe(0);
    fs.writeFileSync(
      p(g, `${APP}/smallbms.js`),
      "if (process.argv[2] === 'check-config') process.exit(0); process.exit(2);\n",
    );
    const r = run(g, ['--status']);
    expect(r.out).toContain('(not available)');
  });
});
