'use strict';
// Bundles the service into one JavaScript file for Node 18 (fast start on a GX, no
// node_modules needed there). Used by bin/smallbms (dev) and scripts/package.js (release).
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'service/src/cli/main.ts');
const outfile = path.join(root, 'dist/smallbms.js');

function options(out) {
  return {
    entryPoints: [entry],
    outfile: out || outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    sourcemap: false,
    legalComments: 'none',
    // dbus-next optionally requires x11 for X11 session buses; never used here. aedes is the
    // demo's embedded broker: a dev dependency, loaded only by `smallbms demo`.
    external: ['x11', 'aedes'],
    logLevel: 'error',
  };
}

function newestSource(dir) {
  let newest = 0;
  for (const entryName of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entryName.name);
    if (entryName.isDirectory()) newest = Math.max(newest, newestSource(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Rebuild dist/smallbms.js when any file under service/ is newer than it. */
function ensureBundle() {
  let built = 0;
  try {
    built = fs.statSync(outfile).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(
    newestSource(path.join(root, 'service')),
    fs.statSync(path.join(root, 'package.json')).mtimeMs,
  );
  if (built >= sources) return outfile;
  const esbuild = require('esbuild');
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}.tmp`;
  esbuild.buildSync(options(tmp));
  fs.renameSync(tmp, outfile);
  return outfile;
}

module.exports = { options, ensureBundle, outfile };

if (require.main === module) {
  const out = process.argv[2];
  require('esbuild').buildSync(options(out));
}
