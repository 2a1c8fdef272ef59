'use strict';
// Builds the gui-v2 plugin: dist/gui/dbus-smallbms.json.
//
//   node scripts/pack-gui-plugin.js [--out FILE] [--rcc PATH] [--verify]
//
// The format is the one gui-v2 reads (src/guiplugins.cpp, populatePlugins / loadPluginData) and
// that its tools/gui-v2-plugin-compiler.py writes:
//   { name, version, minRequiredVersion, maxRequiredVersion, translations, integrations,
//     resource }
// - name must equal the app folder (/data/apps/enabled/dbus-smallbms/gui-v2/*.json).
// - resource is a base64 *binary* Qt resource (rcc -binary -compress-algo zlib) of a .qrc that
//   lists the top-level gui-qml/*.qml (+ .svg, .png, .qm) under the prefix /dbus-smallbms.
// - min/maxRequiredVersion are compared with the *gui-v2* version (QVersionNumber, a leading
//   'v' stripped), not with the Venus OS version. Empty means no bound.
// - integrations: type 1 = page under Settings -> Integrations -> UI Plugins; type 2 = page
//   injected in the device page of services whose /ProductId, as Utils.toHexFormat() prints it
//   ("0x" + upper-case hex), equals productId (compared case-insensitively). gui-v2 drops a
//   type-2 integration without productId or title, and any integration without url.
//
// rcc comes from Qt 6 (Debian: qt6-base-dev-tools, /usr/lib/qt6/libexec/rcc); override with
// --rcc PATH or the RCC environment variable. `--verify` decodes the written resource again
// and checks that it holds every packed file, byte for byte.
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { execFileSync } = require('child_process');
const { Buffer } = require('buffer');

const root = path.resolve(__dirname, '..');
const NAME = 'dbus-smallbms';
const PRODUCT_ID = '0xB0F1';
// gui-v2 1.2.14 (Venus OS 3.70) is the first with plugins and the device page contract
// (pushPage(url, { device })). Written with a leading 'v' like gui-v2's release tags.
const MIN_GUI_VERSION = 'v1.2.14';
const MAX_GUI_VERSION = '';
const PACKED_EXTENSIONS = ['.qml', '.svg', '.png', '.qm'];

function findRcc(explicit) {
  const candidates = [
    explicit,
    process.env.RCC,
    '/usr/lib/qt6/libexec/rcc',
    '/usr/lib/qt6/bin/rcc',
    '/usr/libexec/rcc',
  ].filter(Boolean);
  for (const c of candidates) {
    if (fs.existsSync(c)) return c;
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, 'rcc');
    if (dir && fs.existsSync(p)) return p;
  }
  throw new Error('rcc (Qt 6) not found: install qt6-base-dev-tools or pass --rcc PATH');
}

/** The files packed into the resource: top-level files of gui-qml/ with a packed extension. */
function pluginFiles(srcDir) {
  return fs
    .readdirSync(srcDir, { withFileTypes: true })
    .filter((e) => e.isFile() && PACKED_EXTENSIONS.includes(path.extname(e.name)))
    .map((e) => e.name)
    .sort();
}

function qrcText(name, files) {
  const entries = files.map((f) => `<file>${f}</file>`).join('\n');
  return `<RCC>\n<qresource prefix="/${name}">\n${entries}\n</qresource>\n</RCC>\n`;
}

/**
 * Reads a binary Qt resource (the format rcc -binary writes, versions 1-3) and returns every
 * file in it with its full path and uncompressed bytes.
 */
function readRcc(buf) {
  if (buf.toString('latin1', 0, 4) !== 'qres') throw new Error('not a binary Qt resource');
  const version = buf.readUInt32BE(4);
  if (version < 1 || version > 3) throw new Error(`unsupported rcc version ${version}`);
  const treeOffset = buf.readUInt32BE(8);
  const dataOffset = buf.readUInt32BE(12);
  const namesOffset = buf.readUInt32BE(16);
  const nodeSize = version >= 2 ? 22 : 14;
  const FLAG_COMPRESSED = 0x01;
  const FLAG_DIRECTORY = 0x02;
  const FLAG_ZSTD = 0x04;

  const nameAt = (off) => {
    const p = namesOffset + off;
    const len = buf.readUInt16BE(p);
    const chars = [];
    for (let i = 0; i < len; i++) chars.push(buf.readUInt16BE(p + 6 + 2 * i));
    return String.fromCharCode(...chars);
  };

  const files = [];
  const walk = (index, prefix) => {
    const node = treeOffset + index * nodeSize;
    const flags = buf.readUInt16BE(node + 4);
    const name = index === 0 ? '' : nameAt(buf.readUInt32BE(node));
    const here = index === 0 ? '' : `${prefix}/${name}`;
    if (flags & FLAG_DIRECTORY) {
      const count = buf.readUInt32BE(node + 6);
      const first = buf.readUInt32BE(node + 10);
      for (let i = 0; i < count; i++) walk(first + i, here);
      return;
    }
    const dataAt = dataOffset + buf.readUInt32BE(node + 10);
    const size = buf.readUInt32BE(dataAt);
    let data = buf.subarray(dataAt + 4, dataAt + 4 + size);
    if (flags & FLAG_ZSTD) throw new Error(`${here}: zstd-compressed, gui-v2 expects zlib`);
    if (flags & FLAG_COMPRESSED) {
      // qCompress format: 4-byte big-endian uncompressed length, then a zlib stream.
      data = zlib.inflateSync(data.subarray(4));
    }
    files.push({ path: here, compressed: Boolean(flags & FLAG_COMPRESSED), data });
  };
  walk(0, '');
  return { version, files };
}

function build(options = {}) {
  const srcDir = options.srcDir || path.join(root, 'gui-qml');
  const out = options.out || path.join(root, 'dist', 'gui', `${NAME}.json`);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const rcc = findRcc(options.rcc);
  const files = pluginFiles(srcDir);
  if (!files.includes('Device.qml') || !files.includes('Settings.qml')) {
    throw new Error(`${srcDir} must hold Device.qml and Settings.qml`);
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-gui-plugin-'));
  try {
    for (const f of files) fs.copyFileSync(path.join(srcDir, f), path.join(work, f));
    fs.writeFileSync(path.join(work, `${NAME}.qrc`), qrcText(NAME, files));
    const rccFile = path.join(work, `${NAME}.rcc`);
    execFileSync(rcc, ['-binary', '-compress-algo', 'zlib', '-o', rccFile, `${NAME}.qrc`], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const resource = fs.readFileSync(rccFile);
    const translations = files.filter((f) => f.endsWith('.qm')).map((f) => `qrc:/${NAME}/${f}`);
    const plugin = {
      name: NAME,
      version: pkg.version,
      minRequiredVersion: MIN_GUI_VERSION,
      maxRequiredVersion: MAX_GUI_VERSION,
      translations,
      integrations: [
        {
          type: 2,
          productId: PRODUCT_ID,
          title: 'smallBMS NG',
          url: `qrc:/${NAME}/Device.qml`,
        },
        { type: 1, url: `qrc:/${NAME}/Settings.qml` },
      ],
      resource: resource.toString('base64'),
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(plugin, null, 4)}\n`);
    return { out, plugin, files };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Checks a written plugin: the resource decodes and holds every source file unchanged. */
function verify(out, srcDir = path.join(root, 'gui-qml')) {
  const plugin = JSON.parse(fs.readFileSync(out, 'utf8'));
  const { files } = readRcc(Buffer.from(plugin.resource, 'base64'));
  const problems = [];
  for (const f of pluginFiles(srcDir)) {
    const packed = files.find((e) => e.path === `/${NAME}/${f}`);
    if (!packed) problems.push(`missing /${NAME}/${f}`);
    else if (!packed.data.equals(fs.readFileSync(path.join(srcDir, f)))) {
      problems.push(`/${NAME}/${f} differs from the source`);
    }
  }
  return { files: files.map((e) => e.path), problems };
}

function main(argv) {
  const arg = (flag) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const { out, files } = build({ out: arg('--out'), rcc: arg('--rcc') });
  console.log(`wrote ${path.relative(process.cwd(), out)} (${files.join(', ')})`);
  if (argv.includes('--verify')) {
    const result = verify(out);
    if (result.problems.length > 0) {
      for (const p of result.problems) console.error(`verify: ${p}`);
      process.exit(1);
    }
    console.log(`verified: ${result.files.join(', ')}`);
  }
}

module.exports = { build, verify, readRcc, pluginFiles, qrcText, NAME, PRODUCT_ID };

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`pack-gui-plugin: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
