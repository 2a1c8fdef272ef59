/**
 * Property: whatever a user (or a broken editor) puts in the file, parseConfigText answers
 * with a config or with problems that each have a path and a sentence; it never throws.
 */
import fc from 'fast-check';
import { parseConfigText } from '../../service/src/config/load';
import { minimalConfig } from './helpers';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function check(text: string): void {
  const r = parseConfigText(text, '/tmp/fuzz/smallbms.json');
  if (r.ok) {
    expect(r.summary.length).toBeGreaterThan(0);
    return;
  }
  expect(r.problems.length).toBeGreaterThan(0);
  for (const p of r.problems) {
    expect(p.path).toMatch(/^\$/);
    expect(typeof p.message).toBe('string');
    expect(p.message.length).toBeGreaterThan(3);
    expect(p.message).not.toContain('undefined');
  }
}

/** Keys and values that hit the schema's real vocabulary, so mutations get past the top. */
const key = fc.constantFrom(
  'lines',
  'outputs',
  'tunables',
  'dischargeAllowed',
  'chargeAllowed',
  'preAlarm',
  'remote',
  'source',
  'type',
  'input',
  'path',
  'relay',
  'load',
  'charge',
  'batteryMonitor',
  'service',
  'preAlarmLeadS',
  'preAlarmMode',
  'board',
  'name',
  'mqtt',
  'tls',
  '__proto__',
  'constructor',
  'x',
);
const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    'gpio',
    'digitalinput',
    'dbus',
    'relay',
    'buzzer',
    'dvcc',
    'intermittent',
    'com.victronenergy.system',
    'ekrano-gx',
    1,
    2,
    3,
    5,
    29,
    -1,
    0.5,
    1e9,
    true,
    null,
    '',
    [],
  ),
  fc.jsonValue() as fc.Arbitrary<Json>,
);

/** Replace or add a value at a random spot of the document. */
function mutate(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0 || doc === null || typeof doc !== 'object') return value;
  const [head, ...rest] = path;
  if (Array.isArray(doc)) {
    const copy = [...doc];
    const i = doc.length === 0 ? 0 : head.length % doc.length;
    copy[i] = mutate(doc[i] ?? null, rest, value);
    return copy;
  }
  const copy: { [k: string]: Json } = { ...doc };
  Object.defineProperty(copy, head, {
    value: mutate(Object.prototype.hasOwnProperty.call(doc, head) ? doc[head] : {}, rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

describe('parseConfigText never throws', () => {
  test('random JSON documents', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => check(JSON.stringify(v))),
      { numRuns: 1000 },
    );
  });

  test('mutations of a valid config', () => {
    const base = minimalConfig() as Json;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(key, { maxLength: 5 }), leaf), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const doc = edits.reduce((d, [path, value]) => mutate(d, path, value), base);
          check(JSON.stringify(doc));
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('random text and truncated or corrupted config text', () => {
    const text = JSON.stringify(minimalConfig(), null, 2);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.nat(text.length),
        fc.string({ maxLength: 3 }),
        (noise, at, insert) => {
          check(noise);
          check(text.slice(0, at));
          check(text.slice(0, at) + insert + text.slice(at + 1));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
