/**
 * Turns Ajv's errors into sentences a GX owner can act on. Ajv's own messages ("must NOT have
 * additional properties") name neither the key nor the fix; the schema carries what we need
 * (`unit`, `patternHint`, the allowed keys), so the message is built from it.
 */
import type { ErrorObject } from 'ajv';
import { jsonPath } from './json-text';
import type { Problem } from './problem';

type SchemaNode = {
  type?: string | string[];
  unit?: string;
  patternHint?: string;
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
  const?: unknown;
  enum?: unknown[];
  discriminator?: { propertyName: string };
};

function isSchemaNode(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `/lines/a~1b` → ['lines', 'a/b'], numbers for array indices. */
function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

export function pointerToPath(pointer: string): string {
  return jsonPath(pointerSegments(pointer));
}

/** A short picture of a value for "got ..." (long values are cut). */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  integer: 'a whole number',
  string: 'a string (text in double quotes)',
  boolean: 'true or false',
  object: 'an object { ... }',
  array: 'a list [ ... ]',
  null: 'null',
};

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${show(value)}`;
  if (typeof value === 'number') return `the number ${show(value)}`;
  return show(value);
}

function withUnit(n: unknown, unit: string | undefined): string {
  return unit ? `${String(n)} ${unit}` : String(n);
}

/** Levenshtein distance, for "did you mean" on misspelt keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + cost);
      diag = up;
    }
  }
  return row[b.length];
}

function unknownKeyMessage(key: string, allowed: string[]): string {
  const close = allowed
    .map((k) => ({ k, d: distance(key, k) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 4)))
    .sort((x, y) => x.d - y.d)[0];
  const hint = close ? `; did you mean "${close.k}"?` : '';
  const list = allowed.length > 0 ? ` (allowed here: ${allowed.join(', ')})` : '';
  return `unknown key "${key}"${hint}${close ? '' : list}`;
}

function tagValues(schema: SchemaNode, tag: string): string[] {
  return (schema.oneOf ?? [])
    .map((b) => b.properties?.[tag]?.const)
    .filter((v): v is string => typeof v === 'string');
}

function describe(error: ErrorObject): string {
  const schema: SchemaNode = isSchemaNode(error.parentSchema) ? error.parentSchema : {};
  const params = error.params as Record<string, unknown>;
  const data: unknown = error.data;
  const unit = schema.unit;
  switch (error.keyword) {
    case 'additionalProperties':
      return unknownKeyMessage(
        String(params.additionalProperty),
        Object.keys(schema.properties ?? {}).filter((k) => k !== '$schema'),
      );
    case 'required':
      return `missing required key "${String(params.missingProperty)}"`;
    case 'type': {
      const wanted = String(params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
      return `expected ${wanted}, got ${kindOf(data)}`;
    }
    case 'enum': {
      const allowed = (Array.isArray(params.allowedValues) ? params.allowedValues : [])
        .map((v) => JSON.stringify(v))
        .join(', ');
      return `must be one of ${allowed}; got ${show(data)}`;
    }
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}; got ${show(data)}`;
    case 'minimum':
      return `must be ≥ ${withUnit(params.limit, unit)}; got ${withUnit(data, unit)}`;
    case 'maximum':
      return `must be ≤ ${withUnit(params.limit, unit)}; got ${withUnit(data, unit)}`;
    case 'exclusiveMinimum':
      return `must be > ${withUnit(params.limit, unit)}; got ${withUnit(data, unit)}`;
    case 'exclusiveMaximum':
      return `must be < ${withUnit(params.limit, unit)}; got ${withUnit(data, unit)}`;
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must be at least ${String(params.limit)} characters`;
    case 'pattern':
      return schema.patternHint
        ? `must be ${schema.patternHint}; got ${show(data)}`
        : `must match ${String(params.pattern)}; got ${show(data)}`;
    case 'discriminator': {
      const tag = String(params.tag);
      const values = tagValues(schema, tag).join(', ');
      if (params.error === 'mapping') {
        return `unknown ${tag} ${show(params.tagValue)}; expected one of ${values}`;
      }
      return `needs "${tag}": one of ${values}`;
    }
    default:
      return error.message ?? `fails the "${error.keyword}" rule`;
  }
}

/** Short type words for "(a number, not the string "24")". */
const SHORT_TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  integer: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

const RANGE_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];

/**
 * One mistake, one problem: ajv reports a wrong type and the allowed values of one key as two
 * errors (`"systemVoltage": "24"`), a fraction out of range as two (`"input": 9.5`: not whole,
 * above 8), and each missing key of one object apart. Those are merged into one sentence:
 * "must be one of 12, 24, 48 (a number, not the string "24")", "must be one of 12, 24, 48
 * (got 12.5)" (a number, so its kind is no news), "must be a whole number ≤ 8; got 9.5",
 * "missing required keys "path" and "value"".
 */
function merged(errors: readonly ErrorObject[]): { error: ErrorObject; message?: string }[] {
  const out: { error: ErrorObject; message?: string }[] = [];
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const group = byPath.get(e.instancePath);
    if (group) group.push(e);
    else byPath.set(e.instancePath, [e]);
  }
  for (const group of byPath.values()) {
    const type = group.find((e) => e.keyword === 'type');
    const allowed = group.find((e) => e.keyword === 'enum' || e.keyword === 'const');
    // Range rules only run on numbers: beside a type error, the number is a fraction where a
    // whole number is asked (`"input": 9.5`); a value is below or above a range, not both.
    const fraction =
      type && !allowed && typeof type.data === 'number'
        ? group.find((e) => RANGE_KEYWORDS.includes(e.keyword))
        : undefined;
    const required = group.filter((e) => e.keyword === 'required');
    for (const error of group) {
      if (error === type && (allowed || fraction)) continue;
      if (type && allowed && error === allowed) {
        const types = String((type.params as Record<string, unknown>).type).split(',');
        const wanted = types.map((t) => SHORT_TYPE_WORDS[t] ?? t).join(' or ');
        const rule = describe(allowed).replace(/; got .*$/s, '');
        // 12.5 for "one of 12, 24, 48" is a number, as asked: "not the number 12.5" is no help.
        const sameKind =
          typeof error.data === 'number' && (types.includes('integer') || types.includes('number'));
        out.push({
          error,
          message: sameKind
            ? `${rule} (got ${show(error.data)})`
            : `${rule} (${wanted}, not ${kindOf(error.data)})`,
        });
      } else if (error === fraction) {
        // "must be ≤ 8; got 9.5" → "must be a whole number ≤ 8; got 9.5"
        out.push({
          error,
          message: describe(error).replace(/^must be /, 'must be a whole number '),
        });
      } else if (required.length > 1 && error.keyword === 'required') {
        if (error !== required[0]) continue;
        const keys = required.map(
          (e) => `"${String((e.params as Record<string, unknown>).missingProperty)}"`,
        );
        const list = `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`;
        out.push({ error, message: `missing required keys ${list}` });
      } else out.push({ error });
    }
  }
  return out;
}

/** Ajv errors → problems, one per mistake (see merged) and distinct (path, message). */
export function ajvProblems(errors: readonly ErrorObject[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  // A failing branch of a plain oneOf would add "must match exactly one schema": the
  // discriminated unions here report the chosen branch's own errors instead.
  const kept = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if');
  for (const { error, message } of merged(kept)) {
    const problem: Problem = {
      path: pointerToPath(error.instancePath),
      message: message ?? describe(error),
    };
    // An unknown key is pointed at where the key is written, not at its object.
    if (error.keyword === 'additionalProperties') {
      const key = String((error.params as Record<string, unknown>).additionalProperty);
      problem.pointAt = {
        path: jsonPath([...pointerSegments(error.instancePath), key]),
        key: true,
      };
    }
    const key = `${problem.path}\n${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}
