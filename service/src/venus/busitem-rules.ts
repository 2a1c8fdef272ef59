/**
 * The pieces of BusItem behaviour that do not need a bus: declared types, coercion of
 * incoming writes, velib's text rules, and introspection XML.
 */
import { Typed } from './bus-api';
import { INVALID } from './values';

export type ItemType = 'i' | 'd' | 's';
/** null = invalid (sent as an empty `ai`). */
export type ItemValue = number | string | null;

export interface WriteRules {
  min?: number;
  max?: number;
  /** Allowed values (enums). */
  values?: readonly (number | string)[];
  validate?: (value: number | string) => boolean;
  /**
   * Called after coercion and the checks above, only when the value differs. May refuse
   * (false, or a rejected promise); the value is stored only when it resolves true.
   */
  onSet?: (value: ItemValue, path: string) => boolean | Promise<boolean>;
  /** Accept a write of "invalid" (empty `ai`) — velib does; most paths should not. */
  allowInvalid?: boolean;
}

export interface ItemSpec {
  type: ItemType;
  value?: ItemValue;
  /** GetText for a valid value; invalid is always '---'. */
  text?: (value: number | string) => string;
  writable?: boolean | WriteRules;
}

/** velib's SetValue codes: 1 = not writable or cannot coerce, 2 = refused by the callback. */
export const SET_OK = 0;
export const SET_NOT_WRITABLE = 1;
export const SET_REFUSED = 2;

const INT_SIGNATURES = new Set(['y', 'n', 'q', 'i', 'u', 'x', 't', 'b']);
const PATH_SEGMENT = /^[A-Za-z0-9_]+$/;

export function assertItemPath(path: string): void {
  if (
    path === '/' ||
    !path.startsWith('/') ||
    !path
      .slice(1)
      .split('/')
      .every((s) => PATH_SEGMENT.test(s))
  ) {
    throw new Error(`invalid BusItem path '${path}'`);
  }
}

/**
 * The value a SetValue body carries: a variant (`v`) or a bare typed argument (`i`, `d`,
 * `s`, ... from dbus-send or non-introspecting clients). Returns `undefined` when the body
 * is unusable, `null` for invalid.
 */
export function incomingValue(signature: string, body: unknown[]): ItemValue | undefined {
  if (body.length !== 1) return undefined;
  let sig = signature;
  let raw = body[0];
  if (raw instanceof Typed) {
    sig = raw.signature;
    raw = raw.value;
    if (sig === 'ai' && Array.isArray(raw) && raw.length === 0) return null;
  }
  if (INT_SIGNATURES.has(sig)) {
    if (typeof raw === 'bigint') return Number(raw);
    if (typeof raw === 'boolean') return raw ? 1 : 0;
    return typeof raw === 'number' ? raw : undefined;
  }
  if (sig === 'd') return typeof raw === 'number' ? raw : undefined;
  if (sig === 's') return typeof raw === 'string' ? raw : undefined;
  return undefined;
}

/** Coerce to the declared type (int ↔ double); undefined = wrong type. */
export function coerce(type: ItemType, value: number | string): number | string | undefined {
  if (type === 's') return typeof value === 'string' ? value : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (type === 'd') return value;
  // velib truncates (Python int()); we refuse fractions so 3.5 never silently becomes 3.
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) return undefined;
  return value;
}

export function withinRules(rules: WriteRules, value: number | string): boolean {
  if (typeof value === 'number') {
    if (rules.min !== undefined && value < rules.min) return false;
    if (rules.max !== undefined && value > rules.max) return false;
  }
  if (rules.values && !rules.values.includes(value)) return false;
  return rules.validate ? rules.validate(value) : true;
}

export function variantOf(type: ItemType, value: ItemValue): Typed {
  return value === null ? INVALID : new Typed(type, value);
}

/** velib: '---' when invalid, 0x%X for /ProductId, else the callback or Python's str(). */
export function textOf(path: string, spec: ItemSpec, value: ItemValue): string {
  if (value === null) return '---';
  if (spec.text) return spec.text(value);
  if (path === '/ProductId' && typeof value === 'number')
    return `0x${value.toString(16).toUpperCase()}`;
  if (spec.type === 'd' && typeof value === 'number' && Number.isInteger(value))
    return value.toFixed(1);
  return String(value);
}

const HEADER =
  '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n' +
  ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n';
const INTROSPECTABLE =
  ' <interface name="org.freedesktop.DBus.Introspectable">\n' +
  '  <method name="Introspect"><arg direction="out" type="s"/></method>\n' +
  ' </interface>\n';

export function introspectXml(kind: 'root' | 'tree' | 'leaf', children: string[]): string {
  const methods: string[] = ['  <method name="GetValue"><arg direction="out" type="v"/></method>'];
  if (kind === 'leaf') {
    methods.push(
      '  <method name="GetText"><arg direction="out" type="s"/></method>',
      '  <method name="SetValue"><arg direction="in" type="v"/><arg direction="out" type="i"/></method>',
      '  <signal name="PropertiesChanged"><arg type="a{sv}"/></signal>',
    );
  } else {
    methods.push('  <method name="GetText"><arg direction="out" type="v"/></method>');
  }
  if (kind === 'root') {
    methods.push(
      '  <method name="GetItems"><arg direction="out" type="a{sa{sv}}"/></method>',
      '  <signal name="ItemsChanged"><arg type="a{sa{sv}}"/></signal>',
    );
  }
  const nodes = children.map((c) => ` <node name="${c}"/>\n`).join('');
  return (
    HEADER +
    '<node>\n' +
    INTROSPECTABLE +
    ' <interface name="com.victronenergy.BusItem">\n' +
    methods.join('\n') +
    '\n </interface>\n' +
    nodes +
    '</node>\n'
  );
}
