'use strict';
// Builds the release package for a GX: dist/release/dbus-smallbms-<version>.tar.gz (+ .sha256).
//
//   npm run package [-- --out-dir DIR] [--entry FILE]
//
// Layout (one top directory, so `tar xzf` on the GX gives ./dbus-smallbms/):
//   dbus-smallbms/VERSION              version (line 1) and git commit (line 2)
//   dbus-smallbms/README.md            the project README
//   dbus-smallbms/INSTALL.md           docs/install.md
//   dbus-smallbms/install.sh           install, update, --status, --uninstall
//   dbus-smallbms/smallbms             launcher (`smallbms status`, `smallbms events`, ...)
//   dbus-smallbms/smallbms.js          the whole service bundled into one file for Node 18
//   dbus-smallbms/service/run          daemontools run script
//   dbus-smallbms/service/log/run      daemontools log script (multilog)
//   dbus-smallbms/conf/smallbms.cerbo-gx.example.json
//   dbus-smallbms/gui-v2/*.json        gui-v2 plugin (built with Qt's rcc when dist/gui is absent)
//   dbus-smallbms/gui-v1/PageSmallBms.qml  classic GUI page, installed only with --gui-v1
//
// The archive is deterministic: entries sorted, owner root:root, fixed modes, and every mtime
// set to SOURCE_DATE_EPOCH or else the time of the last commit. The tar writer is a small
// ustar implementation below (no system tar needed); gzip comes from Node's zlib.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const { Buffer } = require('buffer');
const { options: bundleOptions } = require('./bundle.js');

const root = path.resolve(__dirname, '..');
const TOP = 'dbus-smallbms';

function parseArgs(argv) {
  const args = { outDir: path.join(root, 'dist/release'), entry: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out-dir') args.outDir = path.resolve(argv[++i]);
    else if (a === '--entry') args.entry = path.resolve(argv[++i]);
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/package.js [--out-dir DIR] [--entry FILE]');
      process.exit(0);
    } else {
      console.error(`package: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return args;
}

function git(args) {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/** Build the gui-v2 plugin (needs Qt's rcc); without rcc the package goes out without it. */
function buildGuiPlugin(warnings) {
  const { spawnSync } = require('child_process');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/pack-gui-plugin.js')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    warnings.push(`gui-v2 plugin not built: ${(r.stderr || r.stdout || '').trim().split('\n')[0]}`);
  }
}

function sourceDateEpoch() {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env && /^\d+$/.test(env)) return Number(env);
  const commit = git(['log', '-1', '--format=%ct']);
  return /^\d+$/.test(commit) ? Number(commit) : 0;
}

/** One 512-byte ustar header. */
function tarHeader(name, { size, mode, type, mtime }) {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  const h = Buffer.alloc(512, 0);
  const field = (value, offset, length) => h.write(value, offset, length, 'ascii');
  const octal = (value, offset, length) =>
    field(value.toString(8).padStart(length - 1, '0') + '\0', offset, length);
  field(name, 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  octal(size, 124, 12);
  octal(mtime, 136, 12);
  field('        ', 148, 8); // checksum placeholder: spaces while summing
  field(type, 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  field('root', 265, 32);
  field('root', 297, 32);
  let sum = 0;
  for (const byte of h) sum += byte;
  field(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** entries: [{ name, data?: Buffer, mode }], directories end with '/'. */
function tar(entries, mtime) {
  const blocks = [];
  for (const e of entries) {
    const isDir = e.name.endsWith('/');
    const data = isDir ? Buffer.alloc(0) : e.data;
    blocks.push(
      tarHeader(e.name, { size: data.length, mode: e.mode, type: isDir ? '5' : '0', mtime }),
    );
    if (data.length) {
      blocks.push(data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad) blocks.push(Buffer.alloc(pad, 0));
    }
  }
  blocks.push(Buffer.alloc(1024, 0)); // end of archive
  return Buffer.concat(blocks);
}

function readIf(file) {
  return fs.existsSync(file) ? fs.readFileSync(file) : null;
}

function bundle(entry) {
  const esbuild = require('esbuild');
  const opts = {
    ...bundleOptions(path.join(root, 'dist/release/smallbms.js')),
    absWorkingDir: root,
    write: false,
  };
  if (entry) opts.entryPoints = [entry];
  const result = esbuild.buildSync(opts);
  return Buffer.from(result.outputFiles[0].contents);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const version = pkg.version;
  const commit = git(['describe', '--always', '--dirty', '--abbrev=12']) || 'unknown';
  const mtime = sourceDateEpoch();
  const warnings = [];

  const files = new Map(); // name inside TOP → { data, mode }
  const add = (name, data, mode) => files.set(name, { data, mode });
  const must = (rel) => {
    const data = readIf(path.join(root, rel));
    if (!data) throw new Error(`package: missing ${rel}`);
    return data;
  };

  add('VERSION', Buffer.from(`${version}\n${commit}\n`), 0o644);
  add('install.sh', must('install.sh'), 0o755);
  add('smallbms', must('scripts/release-launcher.sh'), 0o755);
  add('smallbms.js', bundle(args.entry), 0o644);
  add('service/run', must('service/run'), 0o755);
  add('service/log/run', must('service/log/run'), 0o755);
  const readme = readIf(path.join(root, 'README.md'));
  if (readme) add('README.md', readme, 0o644);
  const installDoc = readIf(path.join(root, 'docs/install.md'));
  if (installDoc) add('INSTALL.md', installDoc, 0o644);
  const example = readIf(path.join(root, 'service/conf/smallbms.cerbo-gx.example.json'));
  if (example) add('conf/smallbms.cerbo-gx.example.json', example, 0o644);
  else warnings.push('service/conf/smallbms.cerbo-gx.example.json is missing: no example config');
  add('gui-v1/PageSmallBms.qml', must('gui-qml/gui-v1/PageSmallBms.qml'), 0o644);
  const guiDir = path.join(root, 'dist/gui');
  if (!fs.existsSync(guiDir)) buildGuiPlugin(warnings);
  const guiFiles = fs.existsSync(guiDir)
    ? fs.readdirSync(guiDir).filter((f) => f.endsWith('.json'))
    : [];
  for (const f of guiFiles) add(`gui-v2/${f}`, fs.readFileSync(path.join(guiDir, f)), 0o644);
  if (!guiFiles.length) warnings.push('no dist/gui/*.json: the package has no gui-v2 plugin');

  // Directories first (sorted), then files (sorted): a stable order for a stable archive.
  const dirs = new Set([`${TOP}/`]);
  for (const name of files.keys()) {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${TOP}/${parts.slice(0, i).join('/')}/`);
  }
  const entries = [
    ...[...dirs].sort().map((name) => ({ name, mode: 0o755 })),
    ...[...files.keys()].sort().map((name) => ({ name: `${TOP}/${name}`, ...files.get(name) })),
  ];
  const tgz = zlib.gzipSync(tar(entries, mtime), { level: 9 });

  fs.mkdirSync(args.outDir, { recursive: true });
  const base = `${TOP}-${version}.tar.gz`;
  const out = path.join(args.outDir, base);
  fs.writeFileSync(out, tgz);
  const sha = crypto.createHash('sha256').update(tgz).digest('hex');
  fs.writeFileSync(`${out}.sha256`, `${sha}  ${base}\n`);

  for (const w of warnings) console.warn(`package: warning: ${w}`);
  const kib = (tgz.length / 1024).toFixed(1);
  console.log(
    `${path.relative(process.cwd(), out) || out}  ${kib} KiB  (${entries.length} entries)`,
  );
  console.log(`sha256 ${sha}`);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
