/** parseConfigText, resolveConfigPath and the strict JSON reader, unit by unit. */
import * as path from 'path';
import {
  DEFAULT_CONFIG_PATH,
  parseConfigText,
  resolveConfigPath,
  schemaDefaults,
} from '../../service/src/config/load';
import { readJson } from '../../service/src/config/json-text';
import { minimalConfig, withValue } from './helpers';

describe('parseConfigText', () => {
  test('applies every schema default', () => {
    const r = parseConfigText(JSON.stringify(minimalConfig()), '/data/conf/smallbms.json');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const c = r.config;
    expect(c.name).toBe('Default');
    expect(c.board).toBe('cerbo-gx');
    expect(c.gpioRoot).toBe('/dev/gpio');
    expect(c.dataDir).toBe('/data/dbus-smallbms');
    expect(c.systemVoltage).toBe(12);
    expect(c.bootPolicy).toBe('safe');
    expect(c.dryRun).toBe(false);
    expect(c.history.maxEvents).toBe(1000);
    expect(c.lines.dischargeAllowed).toEqual({
      source: { type: 'digitalinput', input: 1 },
      assertedLevel: 0,
      debounceMs: 200,
    });
    expect(c.outputs).toEqual({
      load: [{ type: 'relay', relay: 1, invert: false }],
      charge: [{ type: 'relay', relay: 2, invert: false }],
      preAlarm: [],
    });
    expect(c.tunables).toEqual({
      preAlarmLeadS: 30,
      dischargeFloorPct: 10,
      lowSocMarginPct: 5,
      lowSocShutdownDelayS: 300,
      socHysteresisPct: 3,
      chargeDetectVoltagePer12V: 13.3,
      chargeDetectCurrentA: 1,
      chargeDetectHoldS: 10,
      minOffTimeS: 10,
      preAlarmAfterDisconnect: false,
      preAlarmMode: 'continuous',
    });
    expect(c.mqtt).toEqual({
      enabled: true,
      url: 'mqtt://127.0.0.1:1883',
      prefix: 'smallbms/{portalId}',
      homeAssistant: { enabled: true, discoveryPrefix: 'homeassistant' },
    });
    expect(c.batteryMonitor).toBeUndefined();
  });

  test('defaults inside the chosen source and target branch', () => {
    const doc = minimalConfig();
    withValue(doc, 'lines.remote', {
      source: {
        type: 'dbus',
        service: 'com.victronenergy.battery.x',
        path: '/Io/AllowToDischarge',
        value: 1,
      },
    });
    withValue(doc, 'lines.preAlarm', { source: { type: 'gpio', input: 3 } });
    withValue(doc, 'outputs.preAlarm', [
      { type: 'device', service: 'com.victronenergy.inverter.a', onValue: 2, offValue: 4 },
    ]);
    withValue(doc, 'batteryMonitor', { service: 'com.victronenergy.battery.ttyS5' });
    const r = parseConfigText(JSON.stringify(doc), 'x.json');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.config.lines.remote?.source).toEqual({
      type: 'dbus',
      service: 'com.victronenergy.battery.x',
      path: '/Io/AllowToDischarge',
      value: 1,
      op: '==',
      staleTimeoutS: 10,
    });
    expect(r.config.lines.preAlarm?.source).toEqual({ type: 'gpio', input: 3, pollMs: 100 });
    expect(r.config.outputs.preAlarm[0]).toMatchObject({ path: '/Mode', invert: false });
    expect(r.config.batteryMonitor).toEqual({
      service: 'com.victronenergy.battery.ttyS5',
      staleTimeoutS: 30,
    });
  });

  test('relative gpioRoot and dataDir resolve against the config file directory', () => {
    const doc = withValue(withValue(minimalConfig(), 'gpioRoot', 'sim/gpio'), 'dataDir', '../data');
    const r = parseConfigText(JSON.stringify(doc), '/opt/smallbms/conf/smallbms.json');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.config.gpioRoot).toBe('/opt/smallbms/conf/sim/gpio');
    expect(r.config.dataDir).toBe('/opt/smallbms/data');
    const moved = parseConfigText(JSON.stringify(doc), 'whatever.json', { baseDir: '/tmp/demo' });
    expect(moved.ok && moved.config.gpioRoot).toBe('/tmp/demo/sim/gpio');
  });

  test('absolute directories are kept; $schema is accepted and dropped', () => {
    const doc = withValue(minimalConfig(), '$schema', './schema.json');
    const r = parseConfigText(JSON.stringify(doc), 'rel/x.json');
    expect(r.ok && r.config.gpioRoot).toBe('/dev/gpio');
    expect(r.ok && '$schema' in r.config).toBe(false);
  });

  test('a valid config is not mutated by a second parse (defaults are per document)', () => {
    const text = JSON.stringify(minimalConfig());
    const a = parseConfigText(text, 'a.json');
    const b = parseConfigText(text, 'a.json');
    if (!a.ok || !b.ok) throw new Error('expected ok');
    a.config.outputs.preAlarm.push({ type: 'buzzer', invert: false });
    expect(b.config.outputs.preAlarm).toEqual([]);
  });

  test('__proto__ is an unknown key, not a prototype', () => {
    const r = parseConfigText('{"__proto__": {"dryRun": true}, "lines": {}}', 'x.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toContainEqual({
      path: '$',
      message: expect.stringContaining('unknown key "__proto__"'),
      line: 1,
      column: 2,
    });
  });

  test('a non-object document', () => {
    const r = parseConfigText('[1, 2]', 'x.json');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems[0]).toEqual({
        path: '$',
        message: 'expected an object { ... }, got a list',
        line: 1,
        column: 1,
      });
  });

  test('schemaDefaults gives the defaults of an empty config', () => {
    const d = schemaDefaults() as { tunables: { preAlarmLeadS: number } };
    expect(d.tunables.preAlarmLeadS).toBe(30);
  });
});

describe('resolveConfigPath', () => {
  test('--config FILE, then --config=FILE, then $SMALLBMS_CONFIG, then the default', () => {
    expect(resolveConfigPath(['run', '--config', 'a.json'], { SMALLBMS_CONFIG: 'b.json' })).toBe(
      'a.json',
    );
    expect(resolveConfigPath(['--config=c.json'], {})).toBe('c.json');
    expect(resolveConfigPath(['run'], { SMALLBMS_CONFIG: 'b.json' })).toBe('b.json');
    expect(resolveConfigPath([], { SMALLBMS_CONFIG: '' })).toBe(DEFAULT_CONFIG_PATH);
    expect(DEFAULT_CONFIG_PATH).toBe(path.posix.join('/data/conf', 'smallbms.json'));
  });
});

describe('readJson (strict, with positions)', () => {
  test.each([
    ['{"a": 1,}', 1, 9, 'trailing comma before "}"'],
    ['{"a": 1}\n{', 2, 1, 'unexpected "{" after the end of the document'],
    ["{'a': 1}", 1, 2, 'keys must use double quotes'],
    ['{"a": tru}', 1, 7, 'expected a value'],
    ['{"a": "x\ny"}', 1, 9, 'control character'],
    ['{"a": 1 // note\n}', 1, 9, 'comments are not allowed'],
    ['{"a": 01}', 1, 8, 'expected "," or the end of the number'],
    ['{"a": "abc', 1, 7, 'this string is never closed'],
    ['\n\n  [1, 2', 3, 8, 'expected "," or "]" but found the end of the file'],
  ])('%j → line %i, column %i', (text, line, column, message) => {
    const r = readJson(text);
    expect(r.error).toMatchObject({ line, column });
    expect(r.error?.message).toContain(message);
  });

  test('agrees with JSON.parse on valid documents, BOM ignored', () => {
    const doc = { a: [1, -2.5e3, true, null, 'é\u0001"\\/'], b: { c: {} }, 'd e': [] };
    expect(readJson(`\ufeff${JSON.stringify(doc, null, 2)}`).value).toEqual(doc);
  });

  test('deep nesting is refused, not a stack overflow', () => {
    expect(readJson('['.repeat(100000)).error?.message).toContain('nested too deeply');
  });
});
