/**
 * `smallbms status [--json]`: the running service's state, lines, outputs, alarms and
 * countdowns, read over D-Bus the way any consumer reads it (one GetItems).
 */
import { LINE_ROLES, type LineRole } from '../core/types';
import { OUTPUT_PATH_NAMES, linePath } from '../app/battery-service';
import { LINE_WORDS, alarmWords, outputWord, stateWords } from '../words';
import { flag, type CliIo } from '../io';
import { getItems, notRunning, targetService, withBus, type Item } from './remote';
import type { Bus } from '../venus/bus';
import { plain } from '../venus/values';

const ALARMS = [
  'LowCellVoltage',
  'LowSoc',
  'BmsCable',
  'HighCellVoltage',
  'HighTemperature',
  'LowChargeTemperature',
];

/** What com.victronenergy.system (and its settings) say about us; undefined = unreadable. */
export interface GxView {
  batteryService?: string;
  bmsService?: string;
  dvcc?: number;
  batteryServiceSetting?: string;
}

async function remoteValue(bus: Bus, service: string, path: string): Promise<unknown> {
  try {
    const [v] = await bus.call({
      destination: service,
      path,
      interface: 'com.victronenergy.BusItem',
      member: 'GetValue',
      timeoutMs: 2000,
    });
    return plain(v);
  } catch {
    return undefined;
  }
}

export async function readGxView(bus: Bus): Promise<GxView> {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const sys = 'com.victronenergy.system';
  const dvcc = await remoteValue(bus, sys, '/Control/Dvcc');
  return {
    batteryService: str(await remoteValue(bus, sys, '/Dc/Battery/BatteryService')),
    bmsService: str(await remoteValue(bus, sys, '/ActiveBmsService')),
    dvcc: typeof dvcc === 'number' ? dvcc : undefined,
    batteryServiceSetting: str(
      await remoteValue(bus, 'com.victronenergy.settings', '/Settings/SystemSetup/BatteryService'),
    ),
  };
}

/**
 * Our role on the GX: DVCC BMS or not, and whether systemcalc uses us as its battery monitor
 * (automatic selection prefers a service with /Info/MaxChargeVoltage, i.e. a DVCC target).
 */
export function gxRole(service: string, hasDvccTarget: boolean, gx: GxView): string {
  let bms: string;
  if (gx.bmsService === service) bms = 'DVCC BMS';
  else if (!hasDvccTarget) bms = 'not a BMS';
  else if (gx.dvcc === 0) bms = 'DVCC target, but DVCC is off';
  else bms = `DVCC target, but the controlling BMS is ${gx.bmsService ?? 'none'}`;
  let monitor: string;
  if (gx.batteryService === service) {
    monitor = `battery monitor (${gx.batteryServiceSetting === 'default' ? 'automatic' : 'chosen'})`;
  } else {
    monitor = `battery monitor: ${gx.batteryService ?? 'none'}`;
  }
  return `${bms} · ${monitor}`;
}

export function statusJson(
  service: string,
  items: Map<string, Item>,
  gx: GxView = {},
): Record<string, unknown> {
  const num = (p: string): number | null => {
    const v = items.get(p)?.value;
    return typeof v === 'number' ? v : null;
  };
  const lines: Record<string, string> = {};
  for (const role of LINE_ROLES) {
    const v = num(linePath(role));
    if (v !== null) lines[role] = v === 1 ? 'asserted' : 'released';
  }
  const alarms: Record<string, number> = {};
  for (const a of ALARMS) {
    const v = num(`/Alarms/${a}`);
    if (v !== null) alarms[a] = v;
  }
  return {
    service,
    state: items.get('/Bms/State')?.text ?? null,
    stateCode: num('/Bms/State'),
    lines,
    outputs: {
      load: num('/Bms/Outputs/Load') === 1,
      charge: num('/Bms/Outputs/Charge') === 1,
      preAlarm: num('/Bms/Outputs/PreAlarm') === 1,
    },
    alarms,
    countdowns: {
      loadDisconnectS: num('/Bms/Countdown/LoadDisconnect'),
      lowSocShutdownS: num('/Bms/Countdown/LowSocShutdown'),
    },
    chargeDetected: num('/Bms/ChargeDetected') === 1,
    soc: num('/Soc'),
    voltage: num('/Dc/0/Voltage'),
    current: num('/Dc/0/Current'),
    mode: num('/Mode') === 3 ? 'on' : 'standby',
    dryRun: num('/Bms/DryRun') === 1,
    deviceInstance: num('/DeviceInstance'),
    gx: {
      role: gxRole(service, items.has('/Info/MaxChargeVoltage'), gx),
      dvccTarget: items.has('/Info/MaxChargeVoltage'),
      ...gx,
    },
    notes: String(items.get('/Bms/Notes')?.value ?? ''),
    lastEvent: String(items.get('/Bms/LastEvent')?.value ?? ''),
    ...outputsActual(items, num),
  };
}

/** What the targets have beside the engine's wish, and the relay tests (/Bms/Actual, /Bms/TestOutput). */
function outputsActual(
  items: Map<string, Item>,
  num: (p: string) => number | null,
): Record<string, unknown> {
  const actual: Record<string, boolean | null> = {};
  const outputNotes: Record<string, string> = {};
  const tests: Record<string, string | null> = {};
  for (const [name, output] of Object.entries(OUTPUT_PATH_NAMES)) {
    const a = num(`/Bms/Actual/${name}`);
    actual[output] = a === null ? null : a === 1;
    outputNotes[output] = String(items.get(`/Bms/Actual/${name}Text`)?.value ?? '');
    const t = num(`/Bms/TestOutput/${name}`);
    tests[output] = t === 1 ? 'on' : t === 2 ? 'off' : null;
  }
  return {
    actual,
    outputNotes,
    tests,
    testResult: String(items.get('/Bms/TestOutput/Result')?.value ?? ''),
  };
}

function human(s: Record<string, unknown>): string[] {
  const onOff = (b: unknown): string => (b ? 'ON' : 'off');
  const outputs = s.outputs as Record<string, boolean>;
  const countdowns = s.countdowns as Record<string, number | null>;
  const alarms = Object.entries(s.alarms as Record<string, number>)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => alarmWords(k[0].toLowerCase() + k.slice(1), v));
  const fmt = (v: unknown, unit: string, d: number): string =>
    typeof v === 'number' ? `${v.toFixed(d)} ${unit}` : `--- ${unit}`;
  const out = [
    `${s.service} (instance ${s.deviceInstance ?? '?'})`,
    `state      ${stateWords(String(s.state))}${s.dryRun ? '  [DRY RUN: targets not driven]' : ''}`,
    `outputs    load ${onOff(outputs.load)} · charge ${onOff(outputs.charge)} · pre-alarm ${onOff(outputs.preAlarm)} (the engine's decision)`,
    `lines      ${
      Object.entries(s.lines as Record<string, string>)
        .map(([k, v]) => `${LINE_WORDS[k as LineRole] ?? k} ${v}`)
        .join(' · ') || '(none valid)'
    }`,
    `alarms     ${alarms.length ? alarms.join(' · ') : 'none'}`,
    `battery    ${fmt(s.soc, '%', 1)} · ${fmt(s.voltage, 'V', 2)} · ${fmt(s.current, 'A', 1)}${
      s.chargeDetected ? ' · charge detected' : ''
    }`,
    `mode       ${s.mode}`,
    `gx role    ${(s.gx as { role: string }).role}`,
  ];
  if (countdowns.loadDisconnectS !== null)
    out.push(`countdown  load disconnect in ${countdowns.loadDisconnectS} s`);
  if (countdowns.lowSocShutdownS !== null)
    out.push(`countdown  low-SoC shutdown in ${countdowns.lowSocShutdownS} s`);
  for (const note of Object.values(s.outputNotes as Record<string, string>)) {
    if (note) out.push(`actual     ${note}`);
  }
  const tests = Object.entries(s.tests as Record<string, string | null>).filter(([, t]) => t);
  if (tests.length > 0) {
    out.push(
      `relay test ${tests
        .map(([o, t]) => `${outputWord(o)} forced ${String(t).toUpperCase()}`)
        .join(' · ')}`,
    );
  }
  if (s.testResult) out.push(`last test  ${s.testResult}`);
  if (s.notes) out.push(`notes      ${s.notes}`);
  if (s.lastEvent) out.push(`last event ${s.lastEvent}`);
  return out;
}

export async function statusCommand(argv: string[], io: CliIo): Promise<number> {
  const service = await targetService(argv);
  try {
    const [items, gx] = await withBus(
      async (bus) => [await getItems(bus, service), await readGxView(bus)] as const,
    );
    const s = statusJson(service, items, gx);
    if (flag(argv, '--json')) io.log(JSON.stringify(s, null, 2));
    else for (const line of human(s)) io.log(line);
    return 0;
  } catch (err) {
    io.error(notRunning(service, err));
    return 1;
  }
}
