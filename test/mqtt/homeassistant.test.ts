/**
 * Discovery payloads checked against Home Assistant's documented MQTT discovery schema
 * (home-assistant.io/integrations/mqtt, binary_sensor.mqtt, sensor.mqtt, switch.mqtt), and
 * their templates rendered by real Jinja2 when python3-jinja2 is installed.
 */
import { spawnSync } from 'node:child_process';
import { LINE_ROLES, type LineRole } from '../../service/src/core/types';
import { parseCommand } from '../../service/src/mqtt/command';
import {
  discoveryConfigs,
  discoveryNodeId,
  isOwnDiscoveryTopic,
  ownDiscoveryFilter,
  type DiscoveryContext,
} from '../../service/src/mqtt/homeassistant';
import { bridgeTopics, stateMessage } from '../../service/src/mqtt/topics';
import type { StatusSnapshot } from '../../service/src/status';
import { IDS, PREFIX, snapshot } from './helpers';
import { findTool } from '../tools.js';

const ctx: DiscoveryContext = {
  discoveryPrefix: 'homeassistant',
  topics: bridgeTopics('smallbms/{portalId}', IDS.portalId),
  ids: IDS,
};
const WIRED: LineRole[] = ['dischargeAllowed', 'chargeAllowed', 'remote', 'preAlarm'];
type Config = Record<string, unknown> & { device: Record<string, unknown> };
const configs = discoveryConfigs(ctx, WIRED).map((m) => ({
  topic: m.topic,
  component: m.topic.split('/')[1],
  config: JSON.parse(m.payload) as Config,
}));

test('topics follow <prefix>/<component>/<node_id>/<object_id>/config', () => {
  const node = discoveryNodeId(IDS);
  expect(node).toMatch(/^[a-zA-Z0-9_-]+$/);
  for (const { topic } of configs) {
    expect(topic).toMatch(
      new RegExp(`^homeassistant/(binary_sensor|sensor|switch)/${node}/[a-zA-Z0-9_-]+/config$`),
    );
    expect(isOwnDiscoveryTopic(ctx, topic)).toBe(true);
  }
  expect(ownDiscoveryFilter(ctx)).toBe(`homeassistant/+/${node}/+/config`);
  expect(isOwnDiscoveryTopic(ctx, `homeassistant/sensor/other_node/soc/config`)).toBe(false);
});

test('every entity carries the common required fields', () => {
  const uniqueIds = new Set<unknown>();
  for (const { component, config } of configs) {
    expect(typeof config.name).toBe('string');
    expect(config.unique_id).toEqual(expect.stringMatching(/^[a-z0-9_]+$/));
    uniqueIds.add(config.unique_id);
    expect(config.default_entity_id).toEqual(expect.stringMatching(`^${component}\\.[a-z0-9_]+$`));
    expect(config.state_topic).toBe(`${PREFIX}/state`);
    expect(config.availability_topic).toBe(`${PREFIX}/availability`);
    expect(config).toMatchObject({ payload_available: 'online', payload_not_available: 'offline' });
    expect(typeof config.value_template).toBe('string');
    expect(config.device).toEqual({
      identifiers: [discoveryNodeId(IDS)],
      name: 'smallBMS NG (GX) Default',
      manufacturer: expect.any(String),
      model: expect.any(String),
      sw_version: '0.1.0',
    });
    expect(config.origin).toMatchObject({ name: 'dbus-smallbms' });
    // Entity names must not repeat the device name (HA strips it and warns).
    expect(String(config.name)).not.toMatch(/smallBMS/);
  }
  expect(uniqueIds.size).toBe(configs.length);
});

test('the entity list: outputs, wired lines only, measurements, alarms, one switch', () => {
  const keys = configs.map((c) => `${c.component}:${c.topic.split('/')[3]}`);
  expect(keys).toEqual(
    expect.arrayContaining([
      'binary_sensor:load_allowed',
      'binary_sensor:charge_allowed',
      'binary_sensor:pre_alarm',
      'binary_sensor:line_discharge_allowed',
      'binary_sensor:line_charge_allowed',
      'binary_sensor:line_remote',
      'binary_sensor:line_pre_alarm',
      'sensor:state',
      'sensor:soc',
      'sensor:voltage',
      'sensor:current',
      'sensor:load_disconnect_countdown',
      'sensor:low_soc_shutdown_countdown',
      'sensor:alarm_low_soc',
      'switch:remote',
    ]),
  );
  expect(keys).not.toContain('binary_sensor:line_cell_over_voltage');
  const all = discoveryConfigs(ctx, [...LINE_ROLES]).length;
  // The unwired lines, and the three alarms computed only from them.
  expect(all - configs.length).toBe(LINE_ROLES.length - WIRED.length + 3);
});

test.each([
  [WIRED, ['low_cell_voltage', 'low_soc', 'bms_cable']],
  [['chargeAllowed'], ['low_soc', 'bms_cable']],
  [
    ['preAlarm', 'chargeAllowed'],
    ['low_cell_voltage', 'low_soc', 'bms_cable'],
  ],
  [
    [...LINE_ROLES],
    [
      'low_cell_voltage',
      'low_soc',
      'bms_cable',
      'high_cell_voltage',
      'high_temperature',
      'low_charge_temperature',
    ],
  ],
  [
    ['chargeAllowed', 'lowTemperature'],
    ['low_soc', 'bms_cable', 'low_charge_temperature'],
  ],
] as [LineRole[], string[]][])(
  'alarm entities only for alarms that can have a value: lines %j → %j',
  (lines, alarms) => {
    const keys = discoveryConfigs(ctx, lines)
      .map((m) => m.topic.split('/')[3])
      .filter((k) => k.startsWith('alarm_'));
    expect(keys).toEqual(alarms.map((a) => `alarm_${a}`));
  },
);

test('sensors: device classes, units and enum options are consistent', () => {
  const unitOf: Record<string, string> = {
    battery: '%',
    voltage: 'V',
    current: 'A',
    duration: 's',
  };
  for (const { component, config } of configs.filter((c) => c.component === 'sensor')) {
    const dc = config.device_class as string | undefined;
    if (dc === undefined) continue;
    expect(['enum', 'battery', 'voltage', 'current', 'duration']).toContain(dc);
    if (dc === 'enum') {
      expect(Array.isArray(config.options)).toBe(true);
      expect(config.unit_of_measurement).toBeUndefined();
    } else {
      expect(config.unit_of_measurement).toBe(unitOf[dc]);
    }
    expect(component).toBe('sensor');
  }
  for (const { config } of configs.filter((c) => c.component === 'binary_sensor')) {
    if (config.device_class !== undefined) {
      expect(['problem', 'battery_charging']).toContain(config.device_class);
    }
  }
});

test('switch: command payloads are exactly what the bridge accepts; state maps to mode', () => {
  const sw = configs.find((c) => c.component === 'switch')?.config as Config;
  expect(sw.command_topic).toBe(`${PREFIX}/set`);
  const on = parseCommand(Buffer.from(String(sw.payload_on)), false);
  const off = parseCommand(Buffer.from(String(sw.payload_off)), false);
  expect(on).toEqual({ ok: true, cmd: { mode: 'on' } });
  expect(off).toEqual({ ok: true, cmd: { mode: 'standby' } });
  expect(sw).toMatchObject({ state_on: 'on', state_off: 'standby', retain: false });
  expect(sw.value_template).toBe('{{ value_json.mode }}');
});

/** Every `value_json.a.b` reference must exist in the published state JSON. */
test('templates are well formed and only read fields the state JSON has', () => {
  const state = JSON.parse(stateMessage(snapshot())) as Record<string, unknown>;
  for (const { config } of configs) {
    for (const key of ['value_template', 'json_attributes_template']) {
      const t = config[key];
      if (typeof t !== 'string') continue;
      expect(t.split('{{').length).toBe(t.split('}}').length);
      expect(t.split('{%').length).toBe(t.split('%}').length);
      expect(t).toMatch(/^\{[{%].*[}%]\}$/s);
      for (const [, path] of t.matchAll(/value_json((?:\.[A-Za-z_]+)+)/g)) {
        const parts = path.slice(1).split('.');
        // Line roles may be absent (unwired); the template guards them with `default`.
        if (parts[0] === 'lines') continue;
        let v: unknown = state;
        for (const p of parts) {
          expect(v !== null && typeof v === 'object' && p in (v as object)).toBe(true);
          v = (v as Record<string, unknown>)[p];
        }
      }
    }
  }
});

const JINJA = `
import json, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment
env = ImmutableSandboxedEnvironment()
req = json.load(sys.stdin)
out = [[env.from_string(t).render(value_json=s) for s in req["states"]] for t in req["templates"]]
print(json.dumps(out))
`;
const hasJinja = findTool('python3 with jinja2') !== null;

(hasJinja ? test : test.skip)('templates render as Home Assistant expects (Jinja2)', () => {
  const states: StatusSnapshot[] = [
    snapshot(),
    snapshot({
      state: 'PRE_ALARM',
      mode: 'standby',
      soc: null,
      voltage: null,
      outputs: { load: false, charge: true, preAlarm: true },
      lines: { dischargeAllowed: 'released', chargeAllowed: 'unhealthy', remote: 'unknown' },
      alarms: { ...snapshot().alarms, lowSoc: 2, bmsCable: 1 },
      countdowns: { loadDisconnectS: 42.5, lowSocShutdownS: null },
      lastEvent: 'x'.repeat(400),
    }),
  ];
  const stateSensor = configs.find((c) => c.topic.split('/')[3] === 'state')?.config as Config;
  // An alarm whose line is not wired has no entity; its template (all lines wired) still
  // renders null as None, for the moment between unwiring and the entity's removal.
  const highTemperature = discoveryConfigs(ctx, [...LINE_ROLES]).find((m) =>
    m.topic.includes('/alarm_high_temperature/'),
  );
  const templates = [
    ...configs.map((c) => String(c.config.value_template)),
    String(stateSensor.json_attributes_template),
    String((JSON.parse(highTemperature?.payload ?? '{}') as Config).value_template),
  ];
  const run = spawnSync('python3', ['-c', JINJA], {
    input: JSON.stringify({ templates, states: states.map((s) => JSON.parse(stateMessage(s))) }),
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  const rendered = JSON.parse(run.stdout) as string[][];
  const byKey = new Map(configs.map((c, i) => [c.topic.split('/')[3], rendered[i]]));
  expect(byKey.get('load_allowed')).toEqual(['ON', 'OFF']);
  expect(byKey.get('pre_alarm')).toEqual(['OFF', 'ON']);
  expect(byKey.get('line_discharge_allowed')).toEqual(['ON', 'OFF']);
  expect(byKey.get('line_charge_allowed')).toEqual(['ON', 'None']);
  expect(byKey.get('line_pre_alarm')).toEqual(['None', 'None']);
  expect(byKey.get('state')).toEqual(['NORMAL', 'PRE_ALARM']);
  expect(byKey.get('soc')).toEqual(['87.5', 'None']);
  expect(byKey.get('load_disconnect_countdown')).toEqual(['None', '42.5']);
  expect(byKey.get('alarm_low_soc')).toEqual(['ok', 'alarm']);
  expect(byKey.get('alarm_bms_cable')).toEqual(['ok', 'warning']);
  expect(byKey.has('alarm_high_temperature')).toBe(false);
  expect(rendered[configs.length + 1]).toEqual(['None', 'None']);
  expect(byKey.get('last_event')?.map((s) => s.length)).toEqual([4, 255]);
  expect(byKey.get('remote')).toEqual(['on', 'standby']);
  const attributes = rendered[configs.length].map((r) => JSON.parse(r) as unknown);
  expect(attributes).toEqual([
    { notes: [], mode: 'on' },
    { notes: [], mode: 'standby' },
  ]);
  // Every enum sensor renders one of its options (or None = unknown).
  configs.forEach((c, i) => {
    const options = c.config.options as string[] | undefined;
    if (options) for (const r of rendered[i]) expect([...options, 'None']).toContain(r);
  });
});
