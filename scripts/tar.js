'use strict';
// The release's archives (scripts/package.js): a deterministic ustar writer (fixed owner
// root:root, the given modes and mtime, entries in the order given) gzipped with Node's zlib,
// and a reader for the npm tarball of the pinned Node runtime. No system tar needed.
const zlib = require('zlib');
const { Buffer } = require('buffer');

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

/** A tar.gz of `files` (Map name → { data, mode }) under the directory `top`, deterministic. */
function tgzOf(top, files, mtime) {
  // Directories first (sorted), then files (sorted): a stable order for a stable archive.
  const dirs = new Set([`${top}/`]);
  for (const name of files.keys()) {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${top}/${parts.slice(0, i).join('/')}/`);
  }
  const entries = [
    ...[...dirs].sort().map((name) => ({ name, mode: 0o755 })),
    ...[...files.keys()].sort().map((name) => ({ name: `${top}/${name}`, ...files.get(name) })),
  ];
  return { tgz: zlib.gzipSync(tar(entries, mtime), { level: 9 }), count: entries.length };
}

/** Files of a gzipped tar (ustar, as npm writes it): name → { data, mode }. */
function untgz(buf) {
  const raw = zlib.gunzipSync(buf);
  const out = new Map();
  let off = 0;
  while (off + 512 <= raw.length) {
    const h = raw.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (o, l) => h.toString('utf8', o, o + l).replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    const type = str(156, 1) || '0';
    if (type === '0') {
      out.set(name, {
        data: raw.subarray(off + 512, off + 512 + size),
        mode: parseInt(str(100, 8).trim() || '0', 8),
        mtime: parseInt(str(136, 12).trim() || '0', 8),
      });
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

module.exports = { tgzOf, untgz };
