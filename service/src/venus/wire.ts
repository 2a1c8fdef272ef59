/**
 * A small D-Bus encoder for the two signal shapes the service sends all the time:
 * `ItemsChanged(a{sa{sv}})` and `PropertiesChanged(a{sv})`, with variants holding `i`, `u`,
 * `d`, `s` or `ai` (the invalid value), and for the method calls on its reaction path:
 * BusItem `SetValue(v)` (a relay, a setting) and calls without arguments (`GetValue`). dbus-next marshals every message through a generic,
 * allocation-heavy path (signature parsing per message and per variant, @nornagon/put,
 * Buffer copies); for our own signals that was about a third of the service's steady CPU
 * (docs/performance.md). Used only behind bus.ts; anything else, and any value this encoder
 * does not know, goes through dbus-next. The bytes are those dbus-next would produce for the
 * same message (test/venus/wire.test.ts compares them, and decodes them with dbus-next).
 */
import { Typed } from './bus-api';

const METHOD_CALL = 1;
const SIGNAL = 4;
const PROTOCOL_VERSION = 1;
const FIELD_PATH = 1;
const FIELD_INTERFACE = 2;
const FIELD_MEMBER = 3;
const FIELD_DESTINATION = 6;
const FIELD_SIGNATURE = 8;

export const ITEMS_CHANGED_SIGNATURE = 'a{sa{sv}}';
export const PROPERTIES_CHANGED_SIGNATURE = 'a{sv}';

class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.pos % n)) % n;
    if (pad === 0) return;
    this.room(pad);
    this.buf.fill(0, this.pos, this.pos + pad);
    this.pos += pad;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  i32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeInt32LE(v, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.align(8);
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** `s` and `o`: u32 byte length, UTF-8, NUL. */
  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u32(n);
    this.room(n + 1);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
    this.buf[this.pos++] = 0;
  }

  /** `g`: u8 length, ASCII, NUL. */
  sig(s: string): void {
    this.u8(s.length);
    this.room(s.length + 1);
    this.buf.write(s, this.pos, s.length, 'latin1');
    this.pos += s.length;
    this.buf[this.pos++] = 0;
  }

  /** An array: length placeholder, padding to the element alignment, elements, length. */
  array(elementAlign: number, writeElements: () => void): void {
    this.u32(0);
    const at = this.pos - 4;
    this.align(elementAlign);
    const start = this.pos;
    writeElements();
    this.buf.writeUInt32LE(this.pos - start, at);
  }
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** Whether this encoder can write the variant (else the caller falls back to dbus-next). */
function knownVariant(v: unknown): v is Typed {
  if (!(v instanceof Typed)) return false;
  const { signature, value } = v;
  switch (signature) {
    case 'i':
      return Number.isInteger(value) && Number(value) >= INT32_MIN && Number(value) <= INT32_MAX;
    case 'u':
      return Number.isInteger(value) && Number(value) >= 0 && Number(value) <= 0xffffffff;
    case 'd':
      return typeof value === 'number';
    case 's':
      return typeof value === 'string' && !value.includes('\0');
    case 'ai':
      return (
        Array.isArray(value) &&
        value.every((x) => Number.isInteger(x) && x >= INT32_MIN && x <= INT32_MAX)
      );
    default:
      return false;
  }
}

function variant(w: Writer, v: Typed): void {
  w.sig(v.signature);
  switch (v.signature) {
    case 'i':
      w.i32(v.value as number);
      return;
    case 'u':
      w.u32(v.value as number);
      return;
    case 'd':
      w.f64(v.value as number);
      return;
    case 's':
      w.str(v.value as string);
      return;
    case 'ai': {
      const list = v.value as number[];
      w.array(4, () => {
        for (const x of list) w.i32(x);
      });
      return;
    }
  }
}

/** a{sv} */
function props(w: Writer, p: Record<string, unknown>): void {
  w.array(8, () => {
    for (const key in p) {
      w.align(8);
      w.str(key);
      variant(w, p[key] as Typed);
    }
  });
}

function knownProps(p: unknown): p is Record<string, Typed> {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return false;
  for (const key in p) {
    if (key.includes('\0') || !knownVariant((p as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** Whether encodeSignal can write this body (our two shapes with known variants). */
export function encodable(signature: string, body: unknown[]): boolean {
  if (body.length !== 1) return false;
  if (signature === PROPERTIES_CHANGED_SIGNATURE) return knownProps(body[0]);
  if (signature !== ITEMS_CHANGED_SIGNATURE) return false;
  const items = body[0];
  if (items === null || typeof items !== 'object' || Array.isArray(items)) return false;
  for (const path in items) {
    if (path.includes('\0') || !knownProps((items as Record<string, unknown>)[path])) return false;
  }
  return true;
}

// Names as the D-Bus specification allows them. A message with an invalid one makes
// dbus-daemon drop the whole connection, so such a call goes to dbus-next, which refuses it
// with an error instead.
const OBJECT_PATH = /^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/;
const INTERFACE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const MEMBER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BUS_NAME =
  /^(?::[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+|[A-Za-z_-][A-Za-z0-9_-]*(?:\.[A-Za-z_-][A-Za-z0-9_-]*)+)$/;

/** Whether encodeMethodCall can write this call: valid names; no arguments, or one known variant. */
export function callEncodable(
  destination: string,
  path: string,
  iface: string,
  member: string,
  signature: string,
  body: unknown[],
): boolean {
  if (destination.length > 255 || !BUS_NAME.test(destination)) return false;
  if (!OBJECT_PATH.test(path)) return false;
  if (iface !== '' && (iface.length > 255 || !INTERFACE.test(iface))) return false;
  if (member.length > 255 || !MEMBER.test(member)) return false;
  if (signature === '') return body.length === 0;
  return signature === 'v' && body.length === 1 && knownVariant(body[0]);
}

/** The fixed part of a message and its header fields; returns where the body starts. */
function header(w: Writer, type: number, serial: number, fields: [number, string, string][]) {
  w.u8(0x6c); // 'l'
  w.u8(type);
  w.u8(0); // flags
  w.u8(PROTOCOL_VERSION);
  w.u32(0); // body length, set by the caller
  w.u32(serial);
  w.array(8, () => {
    for (const [code, sig, value] of fields) {
      w.align(8);
      w.u8(code);
      w.sig(sig);
      if (sig === 'g') w.sig(value);
      else w.str(value);
    }
  });
  w.align(8);
  return w.pos;
}

/**
 * The complete little-endian method call, as dbus-next writes it (fields in its order; no
 * interface field when `iface` is empty). Call only when callEncodable(...) holds.
 */
export function encodeMethodCall(
  serial: number,
  destination: string,
  path: string,
  iface: string,
  member: string,
  signature: string,
  body: unknown[],
): Buffer {
  const w = new Writer(160);
  const fields: [number, string, string][] = [[FIELD_PATH, 'o', path]];
  if (iface !== '') fields.push([FIELD_INTERFACE, 's', iface]);
  fields.push([FIELD_MEMBER, 's', member], [FIELD_DESTINATION, 's', destination]);
  if (signature !== '') fields.push([FIELD_SIGNATURE, 'g', signature]);
  const bodyStart = header(w, METHOD_CALL, serial, fields);
  if (signature === 'v') variant(w, body[0] as Typed);
  w.buf.writeUInt32LE(w.pos - bodyStart, 4);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/**
 * The complete little-endian message for a signal with one of our two bodies. Call only when
 * encodable(signature, body); path, interface and member must be valid (they are ours).
 */
export function encodeSignal(
  serial: number,
  path: string,
  iface: string,
  member: string,
  signature: string,
  body: unknown[],
): Buffer {
  const w = new Writer(256);
  const bodyStart = header(w, SIGNAL, serial, [
    [FIELD_PATH, 'o', path],
    [FIELD_INTERFACE, 's', iface],
    [FIELD_MEMBER, 's', member],
    [FIELD_SIGNATURE, 'g', signature],
  ]);
  if (signature === PROPERTIES_CHANGED_SIGNATURE) {
    props(w, body[0] as Record<string, unknown>);
  } else {
    const items = body[0] as Record<string, Record<string, unknown>>;
    w.array(8, () => {
      for (const key in items) {
        w.align(8);
        w.str(key);
        props(w, items[key]);
      }
    });
  }
  w.buf.writeUInt32LE(w.pos - bodyStart, 4);
  return Buffer.from(w.buf.subarray(0, w.pos));
}
