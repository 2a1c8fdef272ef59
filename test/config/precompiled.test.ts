/**
 * The bundle validates configs with ajv standalone code that scripts/bundle.js generates at
 * build time (never committed); jest and ts-node compile the schema with ajv. Both must agree:
 * same verdict, same problems (the messages are built from the errors' `parentSchema` and
 * `data`), same defaults filled in. And `smallbms run` of the bundle must explain a bad config
 * as clearly as `check-config`.
 */
import { spawnSync } from 'child_process';
import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import { ajvProblems } from '../../service/src/config/ajv-problems';
import { compileWithAjv } from '../../service/src/config/validator';
import { minimalConfig, tempDir, withValue, writeTemp, type Doc } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bundle = require('../../scripts/bundle.js') as { generateValidator(): string };

const root = path.resolve(__dirname, '../..');
const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generated = require(bundle.generateValidator()) as ValidateFunction;
const compiled = compileWithAjv().validate;

interface Outcome {
  valid: boolean;
  problems: { path: string; message: string }[];
  doc: unknown;
}

function outcome(validate: ValidateFunction, input: unknown): Outcome {
  const doc: unknown = structuredClone(input);
  const valid = validate(doc) === true;
  return { valid, problems: ajvProblems(validate.errors ?? []), doc };
}

function expectSame(input: unknown): void {
  expect(outcome(generated, input)).toEqual(outcome(compiled, input));
}

function mutated(change: (d: Doc) => void): Doc {
  const d = minimalConfig();
  change(d);
  return d;
}

const examples = ['smallbms.cerbo-gx.example.json', 'smallbms.simulated.json'].map(
  (f) => JSON.parse(fs.readFileSync(path.join(root, 'service/conf', f), 'utf8')) as Doc,
);

const cases: [string, unknown][] = [
  ['an empty config (the defaults)', {}],
  ['the minimal config', minimalConfig()],
  ['the Cerbo GX example', examples[0]],
  ['the simulated example', examples[1]],
  ['unknown key', mutated((d) => withValue(d, 'lines.dischargeAllowed.foo', 1))],
  ['wrong type', mutated((d) => withValue(d, 'tunables.minOffTimeS', '10'))],
  ['below a minimum', mutated((d) => withValue(d, 'tunables.preAlarmLeadS', 29))],
  ['not in an enum', mutated((d) => withValue(d, 'systemVoltage', 36))],
  ['pattern', mutated((d) => withValue(d, 'name', 'A b'))],
  ['empty string', mutated((d) => withValue(d, 'gpioRoot', ''))],
  [
    'unknown discriminator value',
    mutated((d) => withValue(d, 'lines.dischargeAllowed.source', { type: 'gpoi', input: 1 })),
  ],
  ['missing discriminator', mutated((d) => withValue(d, 'outputs.load', [{ relay: 1 }]))],
  [
    'dbus source branch',
    mutated((d) =>
      withValue(d, 'lines.remote', { source: { type: 'dbus', service: 'x', path: '/Mode' } }),
    ),
  ],
  ['mqtt with tls', mutated((d) => withValue(d, 'mqtt', { enabled: true, tls: { ca: 3 } }))],
  ['not an object', [1, 2]],
  ['null', null],
];

describe('the generated validator agrees with ajv', () => {
  test.each(cases)('%s', (_name, input) => expectSame(input));

  test('random mutations of a valid config', () => {
    const keys = fc.constantFrom(
      'lines',
      'outputs',
      'tunables',
      'dischargeAllowed',
      'chargeAllowed',
      'preAlarm',
      'source',
      'type',
      'input',
      'relay',
      'load',
      'charge',
      'batteryMonitor',
      'mqtt',
      'tls',
      'board',
      'name',
      'x',
    );
    const leaf = fc.oneof(
      fc.constantFrom<unknown>('gpio', 'dbus', 'relay', 'dvcc', 'buzzer', 1, 5, 29, -1, true, ''),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(fc.array(keys, { minLength: 1, maxLength: 4 }), leaf, (p, value) => {
        expectSame(withValue(minimalConfig(), p.join('.'), value));
      }),
      { numRuns: 500 },
    );
  });
});

test('`smallbms run` of the bundle lists every problem of a bad config and exits 1', () => {
  const file = writeTemp(
    dir,
    'run-bad.json',
    mutated((d) => {
      withValue(d, 'tunables.preAlarmLeadS', 29);
      withValue(d, 'lines.chargeAlowed', { source: { type: 'gpio', input: 3 } });
      withValue(d, 'lines.dischargeAllowed.source', { type: 'gpoi', input: 1 });
    }),
  );
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'bin/smallbms'), 'run', '--config', file],
    {
      encoding: 'utf8',
      env: { ...process.env, SMALLBMS_DEBUG: '' },
      timeout: 60000,
    },
  );
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`${file}: the config has problems, not starting:`);
  // Where first (line and column from the bundle's own reader), then the path and the fix.
  expect(r.stderr).toMatch(
    /\n {2}line \d+, column \d+: \$\.lines: unknown key "chargeAlowed"; did you mean "chargeAllowed"\?/,
  );
  expect(r.stderr).toMatch(
    /\n {2}line \d+, column \d+: \$\.lines\.dischargeAllowed\.source: unknown type "gpoi"; expected one of gpio, digitalinput, dbus/,
  );
  expect(r.stderr).toMatch(
    /\n {2}line \d+, column \d+: \$\.tunables\.preAlarmLeadS: must be ≥ 30 s; got 29 s/,
  );
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
