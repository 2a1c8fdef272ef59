/**
 * Home Assistant MQTT discovery: pure functions from our ids and the wired lines to the
 * retained `<discoveryPrefix>/<component>/<nodeId>/<objectId>/config` messages.
 *
 * Every entity reads the one retained `<prefix>/state` JSON through a `value_template`, and
 * shares `<prefix>/availability` (our LWT), so HA shows "unavailable" when the service dies.
 * Templates render `None` for "no value" (null SoC, countdown not running, line unknown):
 * HA's MQTT sensor and binary_sensor turn the payload `None` into the unknown state.
 */
import { BMS_STATES, type LineRole } from '../core/types';
import type { Alarms } from '../core/types';
import { AVAILABLE, NOT_AVAILABLE, slug, type BridgeIds, type BridgeTopics } from './topics';

export type HaComponent = 'binary_sensor' | 'sensor' | 'switch';

export interface DiscoveryMessage {
  topic: string;
  /** JSON config, or '' to remove the entity (empty retained message). */
  payload: string;
}

export interface DiscoveryContext {
  discoveryPrefix: string;
  topics: BridgeTopics;
  ids: BridgeIds;
}

interface EntitySpec {
  component: HaComponent;
  /** Object id: stable, part of unique_id and of the discovery topic. */
  key: string;
  name: string;
  valueTemplate: string;
  extra?: Record<string, unknown>;
}

const DIAGNOSTIC = { entity_category: 'diagnostic' };

/** The human name of a line role, e.g. `cellOverVoltage` → `cell over voltage`. */
function spaced(camel: string): string {
  return camel.replace(/([A-Z])/g, ' $1').toLowerCase();
}

function onOff(expr: string): string {
  return `{{ 'ON' if ${expr} else 'OFF' }}`;
}

function outputEntities(): EntitySpec[] {
  return [
    {
      component: 'binary_sensor',
      key: 'load_allowed',
      name: 'Load allowed',
      valueTemplate: onOff('value_json.outputs.load'),
      extra: { icon: 'mdi:power-plug' },
    },
    {
      component: 'binary_sensor',
      key: 'charge_allowed',
      name: 'Charge allowed',
      valueTemplate: onOff('value_json.outputs.charge'),
      extra: { icon: 'mdi:battery-charging' },
    },
    {
      component: 'binary_sensor',
      key: 'pre_alarm',
      name: 'Pre-alarm',
      valueTemplate: onOff('value_json.outputs.preAlarm'),
      extra: { device_class: 'problem' },
    },
    {
      component: 'binary_sensor',
      key: 'charging',
      name: 'Charging',
      valueTemplate: onOff('value_json.chargeDetected'),
      extra: { device_class: 'battery_charging' },
    },
    {
      component: 'binary_sensor',
      key: 'dry_run',
      name: 'Dry run',
      valueTemplate: onOff('value_json.dryRun'),
      extra: DIAGNOSTIC,
    },
  ];
}

function lineEntity(role: LineRole): EntitySpec {
  // Unwired lines are absent from the JSON; `default` keeps HA from logging template warnings
  // during the moment between a config change and the entity's removal.
  const v = `value_json.lines.${role} | default('')`;
  return {
    component: 'binary_sensor',
    key: `line_${slug(spaced(role))}`,
    name: `Line ${spaced(role)}`,
    valueTemplate:
      `{% set v = ${v} %}` +
      `{{ 'ON' if v == 'asserted' else ('OFF' if v == 'released' else 'None') }}`,
    extra: DIAGNOSTIC,
  };
}

const MEASUREMENT = { state_class: 'measurement' };

function sensorEntities(): EntitySpec[] {
  const countdown = (key: string, name: string, field: string): EntitySpec => ({
    component: 'sensor',
    key,
    name,
    valueTemplate: `{{ value_json.countdowns.${field} }}`,
    extra: { device_class: 'duration', unit_of_measurement: 's', suggested_display_precision: 0 },
  });
  return [
    {
      component: 'sensor',
      key: 'state',
      name: 'State',
      valueTemplate: '{{ value_json.state }}',
      extra: {
        device_class: 'enum',
        options: [...BMS_STATES],
        // The human status notes ride along as attributes of the state entity.
        json_attributes_topic: '',
        json_attributes_template:
          '{{ {"notes": value_json.notes, "mode": value_json.mode} | tojson }}',
      },
    },
    {
      component: 'sensor',
      key: 'soc',
      name: 'State of charge',
      valueTemplate: '{{ value_json.soc }}',
      extra: { device_class: 'battery', unit_of_measurement: '%', ...MEASUREMENT },
    },
    {
      component: 'sensor',
      key: 'voltage',
      name: 'Voltage',
      valueTemplate: '{{ value_json.voltage }}',
      extra: { device_class: 'voltage', unit_of_measurement: 'V', ...MEASUREMENT },
    },
    {
      component: 'sensor',
      key: 'current',
      name: 'Current',
      valueTemplate: '{{ value_json.current }}',
      extra: { device_class: 'current', unit_of_measurement: 'A', ...MEASUREMENT },
    },
    countdown('load_disconnect_countdown', 'Load disconnect countdown', 'loadDisconnectS'),
    countdown('low_soc_shutdown_countdown', 'Low SoC shutdown countdown', 'lowSocShutdownS'),
    {
      component: 'sensor',
      key: 'last_event',
      name: 'Last event',
      // HA refuses sensor states over 255 characters.
      valueTemplate: "{{ value_json.lastEvent[:255] if value_json.lastEvent else 'None' }}",
      extra: { icon: 'mdi:history', ...DIAGNOSTIC },
    },
  ];
}

/** Same names as the standard Victron alarm paths; fixed list, so entities never churn. */
const ALARM_NAMES: readonly (keyof Alarms)[] = [
  'lowCellVoltage',
  'lowSoc',
  'bmsCable',
  'highCellVoltage',
  'highTemperature',
  'lowChargeTemperature',
];

export const ALARM_LEVELS = ['ok', 'warning', 'alarm'] as const;

/**
 * The lines an alarm is computed from (core/lines.ts computeAlarms): with none of them wired
 * it is always null, so it gets no entity (an entity forever "unknown" only misleads). Empty:
 * always computed (the SoC alarm from the battery monitor, the cable alarm from every line).
 */
export const ALARM_LINES: Readonly<Record<keyof Alarms, readonly LineRole[]>> = {
  lowCellVoltage: ['dischargeAllowed', 'preAlarm'],
  lowSoc: [],
  bmsCable: [],
  highCellVoltage: ['cellOverVoltage'],
  highTemperature: ['highTemperature'],
  lowChargeTemperature: ['lowTemperature'],
};

/** The alarms that can have a value with these lines wired, in ALARM_NAMES order. */
export function applicableAlarms(wiredLines: readonly LineRole[]): (keyof Alarms)[] {
  return ALARM_NAMES.filter((name) => {
    const from = ALARM_LINES[name];
    return from.length === 0 || from.some((role) => wiredLines.includes(role));
  });
}

function alarmEntity(name: keyof Alarms): EntitySpec {
  return {
    component: 'sensor',
    key: `alarm_${slug(spaced(name))}`,
    name: `Alarm ${spaced(name)}`,
    // 0/1/2 → ok/warning/alarm; null → unknown (only alarms of wired lines have an entity,
    // so null is rare: a line just unwired, before the entity is removed).
    valueTemplate: `{{ {0: 'ok', 1: 'warning', 2: 'alarm'}.get(value_json.alarms.${name}, 'None') }}`,
    extra: { device_class: 'enum', options: [...ALARM_LEVELS], icon: 'mdi:alert' },
  };
}

function remoteSwitch(): EntitySpec {
  return {
    component: 'switch',
    key: 'remote',
    name: 'Remote on/off',
    valueTemplate: '{{ value_json.mode }}',
    extra: {
      // The command payloads are exactly what parseCommand accepts.
      command_topic: '',
      payload_on: '{"mode":"on"}',
      payload_off: '{"mode":"off"}',
      state_on: 'on',
      state_off: 'standby',
      optimistic: false,
      retain: false,
      qos: 1,
      icon: 'mdi:power',
    },
  };
}

export function discoveryNodeId(ids: BridgeIds): string {
  return slug(`smallbms_${ids.portalId}_${ids.bankName}`);
}

/** Entity ids like the D-Bus name: `smallbms` for the Default bank, `smallbms_<bank>` else. */
function entityBase(ids: BridgeIds): string {
  return ids.bankName === 'Default' ? 'smallbms' : `smallbms_${slug(ids.bankName)}`;
}

export function discoveryTopic(ctx: DiscoveryContext, component: HaComponent, key: string) {
  return `${ctx.discoveryPrefix}/${component}/${discoveryNodeId(ctx.ids)}/${key}/config`;
}

/** Subscribing to this finds every config we ever published for this bank (retained). */
export function ownDiscoveryFilter(ctx: DiscoveryContext): string {
  return `${ctx.discoveryPrefix}/+/${discoveryNodeId(ctx.ids)}/+/config`;
}

export function isOwnDiscoveryTopic(ctx: DiscoveryContext, topic: string): boolean {
  const head = `${ctx.discoveryPrefix}/`;
  if (!topic.startsWith(head)) return false;
  const parts = topic.slice(head.length).split('/');
  return parts.length === 4 && parts[1] === discoveryNodeId(ctx.ids) && parts[3] === 'config';
}

/** HA announces itself here (`online` after a restart): time to republish the configs. */
export function haStatusTopic(discoveryPrefix: string): string {
  return `${discoveryPrefix}/status`;
}

export function entitySpecs(wiredLines: readonly LineRole[]): EntitySpec[] {
  return [
    ...outputEntities(),
    ...wiredLines.map(lineEntity),
    ...sensorEntities(),
    ...applicableAlarms(wiredLines).map(alarmEntity),
    remoteSwitch(),
  ];
}

/** The full, ordered list of retained config messages for this bank and these lines. */
export function discoveryConfigs(
  ctx: DiscoveryContext,
  wiredLines: readonly LineRole[],
): DiscoveryMessage[] {
  const { ids, topics } = ctx;
  const nodeId = discoveryNodeId(ids);
  const device = {
    identifiers: [nodeId],
    name: `smallBMS NG (GX) ${ids.bankName}`,
    manufacturer: 'dbus-smallbms',
    model: 'smallBMS NG (GX) on Venus OS',
    sw_version: ids.version,
  };
  const origin = { name: 'dbus-smallbms', sw_version: ids.version };
  return entitySpecs(wiredLines).map((e) => {
    const config: Record<string, unknown> = {
      name: e.name,
      unique_id: `${nodeId}_${e.key}`,
      // default_entity_id replaced object_id in HA 2025.10 (object_id removed in 2026.4).
      default_entity_id: `${e.component}.${entityBase(ids)}_${e.key}`,
      state_topic: topics.state,
      value_template: e.valueTemplate,
      availability_topic: topics.availability,
      payload_available: AVAILABLE,
      payload_not_available: NOT_AVAILABLE,
      device,
      origin,
      ...e.extra,
    };
    if ('command_topic' in config) config.command_topic = topics.command;
    if ('json_attributes_topic' in config) config.json_attributes_topic = topics.state;
    return { topic: discoveryTopic(ctx, e.component, e.key), payload: JSON.stringify(config) };
  });
}
