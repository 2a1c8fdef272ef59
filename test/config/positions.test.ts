/**
 * Issue 21, config: each schema or cross-field problem says where it is (line and column of
 * the offending value, or of an unknown key), one mistake gives one problem, and a config that
 * drives neither a load nor a charge output is refused by check-config and by `smallbms run`.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { checkConfigCommand } from '../../service/src/cli/check-config';
import { main } from '../../service/src/cli/main';
import { parseConfigText } from '../../service/src/config/load';
import { minimalConfig, Recorder, tempDir, withValue, writeTemp, type Doc } from './helpers';

const dir = tempDir();
const root = path.resolve(__dirname, '../..');

// Hand-written, so the positions below can be counted by eye (columns are 1-based).
const TEXT = `{
  "systemVoltage": "24",
  "lines": {
    "dischargeAllowed": { "source": { "type": "digitalinput", "input": 1 } },
    "chargeAllowed": { "source": { "type": "dbus", "service": "com.victronenergy.battery.x" }, "colour": 1 }
  },
  "outputs": {
    "load": [{ "type": "relay", "relay": 1 }],
    "charge": [{ "type": "relay", "relay": 2 }]
  },
  "tunables": { "preAlarmLeadS": 29 }
}
`;

test('each problem has the line and column of its value (or of the unknown key); one mistake, one problem', () => {
  const r = parseConfigText(TEXT, 'x.json');
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.problems).toEqual([
    {
      path: '$.lines.chargeAllowed',
      message: 'unknown key "colour" (allowed here: source, assertedLevel, debounceMs)',
      line: 5,
      column: 96,
    },
    {
      path: '$.lines.chargeAllowed.source',
      message: 'missing required keys "path" and "value"',
      line: 5,
      column: 34,
    },
    {
      path: '$.systemVoltage',
      message: 'must be one of 12, 24, 48 (a number, not the string "24")',
      line: 2,
      column: 20,
    },
    { path: '$.tunables.preAlarmLeadS', message: 'must be ≥ 30 s; got 29 s', line: 11, column: 34 },
  ]);
});

test.each([
  ['board', 5, 'must be one of "cerbo-gx", "ekrano-gx", "simulated" (a string, not the number 5)'],
  ['bootPolicy', true, 'must be one of "safe", "hold" (a string, not true)'],
  [
    'lines.dischargeAllowed.assertedLevel',
    '1',
    'must be one of 0, 1 (a number, not the string "1")',
  ],
  ['systemVoltage', 36, 'must be one of 12, 24, 48; got 36'],
])('%s = %j: one problem, "%s"', (key, value, message) => {
  const r = parseConfigText(JSON.stringify(withValue(minimalConfig(), key, value)), 'x.json');
  expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual([message]);
});

test('a duplicate key points at its second writing; a cross-field problem at its value', () => {
  const text = '{"name": "A",\n "name": "B",\n' + TEXT.slice(1).replace('"relay": 2', '"relay": 1');
  const r = parseConfigText(text.replace('"preAlarmLeadS": 29', '"preAlarmLeadS": 30'), 'x.json');
  if (r.ok) throw new Error('expected problems');
  const at = (p: string): unknown => r.problems.find((x) => x.path === p);
  expect(at('$.name')).toMatchObject({ line: 2, column: 2 });
  expect(at('$.outputs.charge[0]')).toMatchObject({
    message: expect.stringContaining('relay 1 is already driven by $.outputs.load[0]'),
    line: 11,
    column: 16,
  });
});

test('a missing key is placed at its object; a missing section at the top', () => {
  const doc = withValue(minimalConfig(), 'outputs', undefined);
  const r = parseConfigText(JSON.stringify(doc), 'x.json');
  if (r.ok) throw new Error('expected problems');
  expect(r.problems).toEqual([expect.objectContaining({ path: '$.outputs', line: 1, column: 1 })]);
});

describe('no load and no charge output: refused', () => {
  const cases: [string, Doc['outputs'] | undefined][] = [
    ['"outputs": {}', {}],
    ['no "outputs" at all', undefined],
    ['empty lists', { load: [], charge: [], preAlarm: [] }],
    ['a preAlarm output only', { preAlarm: [{ type: 'buzzer' }] }],
  ];
  test.each(cases)('check-config: %s → exit 1 and the reason', async (name, outputs) => {
    const doc = withValue(minimalConfig(), 'outputs', outputs);
    const file = writeTemp(dir, `${name.replace(/\W+/g, '-')}.json`, doc);
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(1);
    expect(io.err).toEqual([
      `${file}: 1 problem`,
      expect.stringMatching(
        /^ {2}line \d+, column \d+: \$\.outputs: give a load or a charge target \(or both\): without one nothing is disconnected/,
      ),
    ]);
  });

  test.each([
    ['a load output only', 'load'],
    ['a charge output only', 'charge'],
  ])('%s: valid, with the warning for the other', async (_name, kept) => {
    const doc = minimalConfig();
    const outputs = doc.outputs as Record<string, unknown>;
    delete outputs[kept === 'load' ? 'charge' : 'load'];
    const file = writeTemp(dir, `${kept}-only.json`, doc);
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(0);
    const other = kept === 'load' ? 'charge' : 'load';
    expect(io.stdout).toContain(`outputs.${other}: no target: nothing disconnects ${other}`);
  });

  test('smallbms run refuses it, with the reason, before touching D-Bus (the real launcher)', () => {
    const doc = withValue(minimalConfig(), 'outputs', { preAlarm: [{ type: 'buzzer' }] });
    const file = writeTemp(dir, 'run-prealarm-only.json', doc);
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'bin/smallbms'), 'run', '--config', file, '--no-dbus'],
      { encoding: 'utf8', timeout: 60000, env: { ...process.env, SMALLBMS_DEBUG: '' } },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: the config has problems, not starting:`);
    expect(r.stderr).toMatch(/\$\.outputs: give a load or a charge target/);
    expect(r.stdout).toBe('');
  });

  test('main(run) the same in-process', async () => {
    const doc = withValue(minimalConfig(), 'outputs', {});
    const file = writeTemp(dir, 'run-empty.json', doc);
    const io = new Recorder();
    expect(await main(['run', '--config', file, '--no-dbus'], io)).toBe(1);
    expect(io.err[1]).toMatch(/^ {2}line \d+, column \d+: \$\.outputs: give a load or a charge/);
  });
});
