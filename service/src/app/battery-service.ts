/**
 * Our `com.victronenergy.battery.smallbms` service: the path table (venus.md mandatory
 * paths, contract.md paths, the standard battery paths the stock GX console reads) and the
 * mapping from a StatusSnapshot to values. Served by the generic BusItem exporter.
 */
import { BMS_STATES, LINE_ROLES, type AlarmName, type LineRole } from '../core/types';
import type { StatusSnapshot } from '../status';
import { TEST_ONLY_IN_DRY_RUN } from '../words';
import type { BusItemService, ItemValue, WriteRules } from '../venus/busitem';
import { mandatoryPaths } from '../venus/mandatory';

/** Our ProductId (documented in the README): 0xB0F1, outside Victron's product ranges. */
export const PRODUCT_ID = 0xb0f1;
export const PRODUCT_NAME = 'smallBMS NG (GX)';

export const MODE_ON = 3;
export const MODE_STANDBY = 252;

const ALARM_PATHS: Record<AlarmName, string> = {
  lowCellVoltage: '/Alarms/LowCellVoltage',
  lowSoc: '/Alarms/LowSoc',
  bmsCable: '/Alarms/BmsCable',
  highCellVoltage: '/Alarms/HighCellVoltage',
  highTemperature: '/Alarms/HighTemperature',
  lowChargeTemperature: '/Alarms/LowChargeTemperature',
};

export function linePath(role: LineRole): string {
  return `/Bms/Lines/${role[0].toUpperCase()}${role.slice(1)}`;
}

/** Standard battery /State: 0 initialising, 9 running, 10 error, 14 standby. */
function batteryState(s: StatusSnapshot): number {
  switch (s.state) {
    case 'STARTING':
      return 0;
    case 'FAULT':
      return 10;
    case 'REMOTE_OFF':
      return 14;
    default:
      return 9;
  }
}

export interface DvccLimits {
  maxChargeVoltage: number;
  maxChargeCurrentA: number;
  maxDischargeCurrentA: number;
  batteryLowVoltage: number;
}

/** Lithium NG defaults per 12 V: 14.2 V charge, 11.6 V low (scaled by system voltage). */
export function dvccLimits(systemVoltage: 12 | 24 | 48): DvccLimits {
  const k = systemVoltage / 12;
  return {
    maxChargeVoltage: Math.round(14.2 * k * 10) / 10,
    maxChargeCurrentA: 1000,
    maxDischargeCurrentA: 1000,
    batteryLowVoltage: Math.round(11.6 * k * 10) / 10,
  };
}

export interface BatteryServiceOptions {
  deviceInstance: number;
  /** Bank name (`Default` for the first bank). */
  bank: string;
  version: string;
  connection: string;
  hardware: string;
  serial: string;
  customName: string;
  /** Present only when a DVCC target is configured. */
  dvcc?: DvccLimits;
  /** Paths mirrored from the battery monitor (battery-picture.ts), invalid until known. */
  mirrorPaths?: readonly string[];
  /** Writes from the console / MQTT. Return false to refuse. */
  onMode: (on: boolean) => boolean | Promise<boolean>;
  onDryRun: (on: boolean) => boolean | Promise<boolean>;
  onCustomName: (name: string) => boolean | Promise<boolean>;
  /** Force an output on/off (true/false) or end its test (null). */
  onTestOutput: (
    output: 'load' | 'charge' | 'preAlarm',
    level: boolean | null,
  ) => boolean | Promise<boolean>;
}

const onOff = (v: number | string): string => (v === 1 ? 'On' : 'Off');
const testText = (v: number | string): string =>
  v === 1 ? 'Forced on' : v === 2 ? 'Forced off' : 'No test';

/** Our D-Bus names of the three outputs. */
export const OUTPUT_PATH_NAMES = { Load: 'load', Charge: 'charge', PreAlarm: 'preAlarm' } as const;
const testValue = (t: boolean | null): number => (t === null ? 0 : t ? 1 : 2);
const secondsText = (v: number | string): string => `${v} s`;

/** Add every path of our service to the exporter (before register()). */
export function addBatteryPaths(svc: BusItemService, o: BatteryServiceOptions): void {
  const mandatory = mandatoryPaths({
    processName: 'dbus-smallbms',
    processVersion: o.version,
    connection: o.connection,
    deviceInstance: o.deviceInstance,
    productId: PRODUCT_ID,
    productName: PRODUCT_NAME,
    hardwareVersion: o.hardware,
    serial: o.serial,
    customName: o.customName,
    onCustomName: o.onCustomName,
  });
  for (const [path, spec] of Object.entries(mandatory)) svc.add(path, spec);

  const measure = (path: string, unit: string, digits: number): void =>
    svc.add(path, { type: 'd', value: null, text: (v) => `${Number(v).toFixed(digits)}${unit}` });
  measure('/Soc', '%', 1);
  measure('/Dc/0/Voltage', 'V', 2);
  measure('/Dc/0/Current', 'A', 1);
  measure('/Dc/0/Power', 'W', 0);

  svc.add('/State', { type: 'i', value: 0 });
  const modeRules: WriteRules = {
    values: [MODE_ON, MODE_STANDBY],
    onSet: (v) => o.onMode(v === MODE_ON),
  };
  svc.add('/Mode', {
    type: 'i',
    value: MODE_ON,
    text: (v) => (v === MODE_ON ? 'On' : v === MODE_STANDBY ? 'Standby' : String(v)),
    writable: modeRules,
  });
  for (const path of ['/Io/AllowToDischarge', '/Io/AllowToCharge', '/Io/ExternalRelay']) {
    svc.add(path, { type: 'i', value: 0, text: (v) => (v === 1 ? 'Yes' : 'No') });
  }
  for (const path of Object.values(ALARM_PATHS)) svc.add(path, { type: 'i', value: null });
  // A target we must drive but cannot (relay function not manual, service gone): a standard
  // alarm path, so it reaches the GX notifications and VRM.
  svc.add('/Alarms/InternalFailure', { type: 'i', value: 0 });

  svc.add('/Bms/State', { type: 'i', value: 0, text: (v) => BMS_STATES[Number(v)] ?? String(v) });
  for (const role of LINE_ROLES) svc.add(linePath(role), { type: 'i', value: null, text: onOff });
  for (const name of ['Load', 'Charge', 'PreAlarm']) {
    svc.add(`/Bms/Outputs/${name}`, { type: 'i', value: 0, text: onOff });
  }
  svc.add('/Bms/Countdown/LoadDisconnect', { type: 'd', value: null, text: secondsText });
  svc.add('/Bms/Countdown/LowSocShutdown', { type: 'd', value: null, text: secondsText });
  svc.add('/Bms/ChargeDetected', { type: 'i', value: 0, text: onOff });
  svc.add('/Bms/DryRun', {
    type: 'i',
    value: 0,
    text: onOff,
    writable: { values: [0, 1], onSet: (v) => o.onDryRun(v === 1) },
  });
  // The bank name, so the GUI page edits /Settings/SmallBms/<bank>/... of this bank.
  svc.add('/Bms/Bank', { type: 's', value: o.bank });
  svc.add('/Bms/LastEvent', { type: 's', value: '' });
  svc.add('/Bms/LastEventJson', { type: 's', value: '' });
  svc.add('/Bms/Notes', { type: 's', value: '' });
  // Commissioning (relay test): 0 no test (the engine's level), 1 forced on, 2 forced off.
  // Valid whenever the service runs; writable, refused (2) outside dry run, with the reason
  // in /Bms/TestOutput/Available's text and /Bms/TestOutput/Result.
  for (const [name, output] of Object.entries(OUTPUT_PATH_NAMES)) {
    svc.add(`/Bms/TestOutput/${name}`, {
      type: 'i',
      value: 0,
      text: testText,
      writable: {
        values: [0, 1, 2],
        onSet: (v) => o.onTestOutput(output, v === 0 ? null : v === 1),
      },
    });
  }
  svc.add('/Bms/TestOutput/Available', {
    type: 'i',
    value: 0,
    text: (v) => (v === 1 ? 'Yes' : TEST_ONLY_IN_DRY_RUN),
  });
  svc.add('/Bms/TestOutput/Result', { type: 's', value: '' });
  // What the targets have (read back), beside the engine's wish (/Bms/Outputs/*).
  for (const name of Object.keys(OUTPUT_PATH_NAMES)) {
    svc.add(`/Bms/Actual/${name}`, { type: 'i', value: null, text: onOff });
    svc.add(`/Bms/Actual/${name}Text`, { type: 's', value: '' });
  }

  for (const path of o.mirrorPaths ?? [])
    if (!svc.has(path)) svc.add(path, { type: 'd', value: null });

  if (o.dvcc) {
    svc.add('/Info/MaxChargeVoltage', { type: 'd', value: o.dvcc.maxChargeVoltage });
    svc.add('/Info/MaxChargeCurrent', { type: 'd', value: 0 });
    svc.add('/Info/MaxDischargeCurrent', { type: 'd', value: 0 });
    svc.add('/Info/BatteryLowVoltage', { type: 'd', value: o.dvcc.batteryLowVoltage });
  }
}

/**
 * What the DVCC targets were last driven to (a target, so dry run leaves it alone), not the
 * logical outputs.
 */
export interface DvccState {
  limits: DvccLimits;
  chargeAllowed: boolean;
  loadAllowed: boolean;
}

const bit = (b: boolean): number => (b ? 1 : 0);

/** The values a snapshot gives our paths (only changed ones are signalled by the exporter). */
export function batteryValues(s: StatusSnapshot, dvcc?: DvccState): Record<string, ItemValue> {
  const v: Record<string, ItemValue> = {
    '/Soc': s.soc,
    '/Dc/0/Voltage': s.voltage,
    '/Dc/0/Current': s.current,
    '/Dc/0/Power':
      s.voltage === null || s.current === null ? null : Math.round(s.voltage * s.current),
    '/State': batteryState(s),
    '/Mode': s.mode === 'on' ? MODE_ON : MODE_STANDBY,
    '/Io/AllowToDischarge': bit(s.outputs.load),
    '/Io/AllowToCharge': bit(s.outputs.charge),
    '/Io/ExternalRelay': bit(s.outputs.preAlarm),
    '/Bms/State': s.stateCode,
    '/Bms/Outputs/Load': bit(s.outputs.load),
    '/Bms/Outputs/Charge': bit(s.outputs.charge),
    '/Bms/Outputs/PreAlarm': bit(s.outputs.preAlarm),
    '/Bms/Countdown/LoadDisconnect': s.countdowns.loadDisconnectS,
    '/Bms/Countdown/LowSocShutdown': s.countdowns.lowSocShutdownS,
    '/Bms/ChargeDetected': bit(s.chargeDetected),
    '/Bms/DryRun': bit(s.dryRun),
    '/Bms/LastEvent': s.lastEvent ?? '',
    '/Bms/Notes': s.notes.join('; '),
    '/Bms/TestOutput/Available': bit(s.dryRun),
    '/Bms/TestOutput/Result': s.testResult,
  };
  for (const [name, output] of Object.entries(OUTPUT_PATH_NAMES)) {
    v[`/Bms/TestOutput/${name}`] = testValue(s.tests[output]);
    const actual = s.actual[output];
    v[`/Bms/Actual/${name}`] = actual === null ? null : bit(actual);
    v[`/Bms/Actual/${name}Text`] = s.outputNotes[output];
  }
  for (const [name, path] of Object.entries(ALARM_PATHS) as [AlarmName, string][]) {
    v[path] = s.alarms[name];
  }
  for (const role of LINE_ROLES) {
    const status = s.lines[role];
    v[linePath(role)] = status === 'asserted' ? 1 : status === 'released' ? 0 : null;
  }
  if (dvcc) {
    v['/Info/MaxChargeCurrent'] = dvcc.chargeAllowed ? dvcc.limits.maxChargeCurrentA : 0;
    v['/Info/MaxDischargeCurrent'] = dvcc.loadAllowed ? dvcc.limits.maxDischargeCurrentA : 0;
  }
  return v;
}
