/**
 * A fake GX for installer tests: a root directory (SMALLBMS_ROOT) with the Venus version file,
 * /data and /service, plus stand-ins on PATH for svc, svstat, dbus (file-backed settings
 * store, every call logged), df and node. The release package is assembled from the repo's
 * install.sh and service scripts with a stand-in smallbms.js (check-config and events only).
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { onPath } from '../tools.js';

export const repo = path.resolve(__dirname, '../..');
const fixtures = path.join(__dirname, 'fixtures');

/** Commands install.sh (and the stand-ins) may use: nothing else is on PATH in the tests. */
const TOOLS = [
  'sh',
  'cat',
  'cp',
  'mv',
  'rm',
  'ln',
  'mkdir',
  'rmdir',
  'chmod',
  'sed',
  'awk',
  'grep',
  'tr',
  'sort',
  'head',
  'tail',
  'ls',
  'cmp',
  'dirname',
  'readlink',
  'id',
  'sleep',
  'touch',
  'wc',
  'du',
  'sha256sum',
];

export const busybox = onPath('busybox');
export const shellcheck = onPath('shellcheck');

export interface FakeGx {
  dir: string;
  root: string;
  pkg: string;
  bin: string;
  log: string;
  store: string;
  /** sh runs install.sh; 'busybox' runs it with busybox sh and busybox applets as tools. */
  shell: 'sh' | 'busybox';
}

export interface GxOptions {
  venus?: string | null;
  /** real: this Node on PATH; untested: this Node, but saying it is v22.1.0; old: v16. */
  node?: 'real' | 'old' | 'none' | 'untested';
  /** The package carries the bundled runtime (runtime/bin/node: a wrapper of this Node). */
  runtime?: boolean;
  shell?: 'sh' | 'busybox';
  settings?: Record<string, string | number>;
  version?: string;
}

/** Lay out a release package directory, like the unpacked tarball. */
export function makePackage(dest: string, version = '0.1.0'): string {
  const pkg = path.join(dest, 'dbus-smallbms');
  fs.mkdirSync(path.join(pkg, 'service/log'), { recursive: true });
  fs.mkdirSync(path.join(pkg, 'conf'));
  const copy = (from: string, to: string, mode = 0o644) => {
    fs.copyFileSync(from, path.join(pkg, to));
    fs.chmodSync(path.join(pkg, to), mode);
  };
  copy(path.join(repo, 'install.sh'), 'install.sh', 0o755);
  copy(path.join(repo, 'service/run'), 'service/run', 0o755);
  copy(path.join(repo, 'service/log/run'), 'service/log/run', 0o755);
  copy(path.join(repo, 'scripts/release-launcher.sh'), 'smallbms', 0o755);
  copy(path.join(fixtures, 'smallbms-fixture.js'), 'smallbms.js');
  copy(path.join(fixtures, 'example.json'), 'conf/smallbms.cerbo-gx.example.json');
  fs.writeFileSync(path.join(pkg, 'VERSION'), `${version}\ntest\n`);
  return pkg;
}

/**
 * The runtime artifact unpacked on top of a package: runtime/bin/node. Here a wrapper of the
 * Node running the tests (the real one is a 32-bit ARM binary), reporting `version`.
 */
export function addRuntime(pkg: string, version = 'v20.11.0'): void {
  fs.mkdirSync(path.join(pkg, 'runtime/bin'), { recursive: true });
  fs.writeFileSync(
    path.join(pkg, 'runtime/bin/node'),
    `#!/bin/sh\n# stand-in for the bundled runtime\nif [ "$1" = --version ]; then echo ${version}; exit 0; fi\nexec ${process.execPath} "$@"\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(pkg, 'runtime/LICENSE'), 'Node.js license\n');
}

export function makeGx(opts: GxOptions = {}): FakeGx {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-install-'));
  const root = path.join(dir, 'root');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(path.join(root, 'data/conf'), { recursive: true });
  fs.mkdirSync(path.join(root, 'service'));
  fs.writeFileSync(path.join(root, 'data/conf/settings.xml'), '<Settings/>\n');
  const venus = opts.venus === undefined ? 'v3.70' : opts.venus;
  if (venus !== null) {
    fs.mkdirSync(path.join(root, 'opt/victronenergy'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'opt/victronenergy/version'),
      `${venus}\nVenus OS\n20260101120000\n`,
    );
  }
  fs.mkdirSync(bin);
  const shell = opts.shell ?? 'sh';
  for (const tool of TOOLS) {
    const target = shell === 'busybox' ? busybox : onPath(tool);
    if (!target) throw new Error(`test tool missing: ${tool}`);
    fs.symlinkSync(target, path.join(bin, tool));
  }
  for (const f of ['svc', 'svstat', 'dbus', 'df']) {
    fs.copyFileSync(path.join(fixtures, 'bin', f), path.join(bin, f));
    fs.chmodSync(path.join(bin, f), 0o755);
  }
  const node = opts.node ?? 'real';
  if (node === 'real') fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  if (node === 'untested') {
    fs.writeFileSync(
      path.join(bin, 'node'),
      `#!/bin/sh\nif [ "$1" = --version ]; then echo v22.1.0; exit 0; fi\nexec ${process.execPath} "$@"\n`,
      { mode: 0o755 },
    );
  }
  if (node === 'old') {
    fs.copyFileSync(path.join(fixtures, 'bin/node-old'), path.join(bin, 'node'));
    fs.chmodSync(path.join(bin, 'node'), 0o755);
  }
  const store = path.join(dir, 'settings.tsv');
  const settings = opts.settings ?? {
    '/Settings/Relay/Function': 0,
    '/Settings/Relay/1/Function': 2,
    '/Settings/DigitalInput/1/Type': 10,
    '/Settings/DigitalInput/2/Type': 0,
    '/Settings/DigitalInput/3/Type': 0,
    '/Settings/System/ModificationChecks/AllModificationsEnabled': 1,
  };
  writeSettings(store, settings);
  const pkgParent = path.join(dir, 'pkg');
  fs.mkdirSync(pkgParent);
  const pkg = makePackage(pkgParent, opts.version);
  if (opts.runtime) addRuntime(pkg);
  return { dir, root, pkg, bin, log: path.join(dir, 'calls.log'), store, shell };
}

export function writeSettings(store: string, settings: Record<string, string | number>): void {
  fs.writeFileSync(
    store,
    Object.entries(settings)
      .map(([k, v]) => `${k}\t${v}\n`)
      .join(''),
  );
}

export function readSettings(gx: FakeGx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(gx.store, 'utf8').split('\n')) {
    const [k, v] = line.split('\t');
    if (k) out[k] = v;
  }
  return out;
}

export function calls(gx: FakeGx): string[] {
  return fs.existsSync(gx.log) ? fs.readFileSync(gx.log, 'utf8').split('\n').filter(Boolean) : [];
}

export function clearCalls(gx: FakeGx): void {
  fs.rmSync(gx.log, { force: true });
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  out: string;
}

/** Run `sh <script> args` as the tests' GX would, with only the fake GX's bin on PATH. */
export function run(
  gx: FakeGx,
  args: string[],
  opts: { script?: string; env?: Record<string, string> } = {},
): Result {
  const script = opts.script ?? path.join(gx.pkg, 'install.sh');
  const r = spawnSync(path.join(gx.bin, 'sh'), [script, ...args], {
    encoding: 'utf8',
    input: '',
    env: {
      PATH: gx.bin,
      HOME: gx.dir,
      SMALLBMS_ROOT: gx.root,
      SMALLBMS_SV_WAIT: '1',
      FAKE_LOG: gx.log,
      FAKE_DBUS_STORE: gx.store,
      ...opts.env,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

/** Every entry under dir: path, type, mode, link target or content hash. */
export function tree(dir: string): string[] {
  const lines: string[] = [];
  const walk = (rel: string) => {
    const p = path.join(dir, rel);
    const st = fs.lstatSync(p);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) lines.push(`${rel} link -> ${fs.readlinkSync(p)}`);
    else if (st.isDirectory()) {
      if (rel) lines.push(`${rel}/ dir ${mode}`);
      for (const name of fs.readdirSync(p).sort()) walk(rel ? `${rel}/${name}` : name);
    } else {
      const hash = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      lines.push(`${rel} file ${mode} ${hash.slice(0, 16)}`);
    }
  };
  walk('');
  return lines;
}

export function writeConfig(gx: FakeGx, config: object): string {
  const file = path.join(gx.root, 'data/conf/smallbms.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
  return file;
}

/** A config of the user's, valid for the fixture: relays 1 and 2, sysfs input 1, Venus input 3. */
export const userConfig = {
  name: 'Default',
  board: 'cerbo-gx',
  lines: {
    dischargeAllowed: { source: { type: 'gpio', input: 1 } },
    preAlarm: { source: { type: 'digitalinput', input: 3 } },
  },
  outputs: {
    load: [{ type: 'relay', relay: 1 }],
    charge: [{ type: 'relay', relay: 2 }],
    preAlarm: [{ type: 'buzzer' }],
  },
};

export function cleanup(gx: FakeGx): void {
  fs.rmSync(gx.dir, { recursive: true, force: true });
}
