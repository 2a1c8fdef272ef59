/**
 * BusItem value conventions (velib ve_utils wrap/unwrap): invalid is an empty int32 array,
 * all integer D-Bus types read as numbers, dicts and arrays are walked.
 */
import { Typed } from './bus-api';
import type { VeValue } from './api';

export const INVALID = new Typed('ai', []);

/** A typed D-Bus value (variant contents or a bare argument) → plain JS; undefined = invalid. */
export function plain(value: unknown): VeValue | undefined {
  const v = value instanceof Typed ? value : undefined;
  if (v && v.signature === 'ai' && Array.isArray(v.value) && v.value.length === 0) return undefined;
  return plainInner(v ? v.value : value) as VeValue | undefined;
}

function plainInner(value: unknown): unknown {
  if (value instanceof Typed) return plainInner(value.value);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return value.map(plainInner);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainInner(v);
    return out;
  }
  return value;
}

/** True when a received value is velib's "invalid" (empty `ai`). */
export function isInvalid(value: unknown): boolean {
  return plain(value) === undefined;
}

/** Plain JS → variant, choosing i/d/s like velib's wrap_dbus_value. */
export function typed(value: VeValue | null | undefined): Typed {
  if (value === null || value === undefined) return INVALID;
  if (typeof value === 'string') return new Typed('s', value);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) {
      return new Typed('i', value);
    }
    return Number.isInteger(value) ? new Typed('x', BigInt(value)) : new Typed('d', value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return new Typed('au', []);
    return new Typed(
      value.every((n) => Number.isInteger(n)) ? 'ai' : 'ad',
      value.map((n) => n),
    );
  }
  const out: Record<string, Typed> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typed(v as VeValue);
  return new Typed('a{sv}', out);
}

/** Deep equality for plain BusItem values (numbers, strings, arrays, dicts). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
