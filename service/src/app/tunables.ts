/**
 * The live tunables as localsettings entries under `/Settings/SmallBms/<bank>/...`, so the
 * GX console and MQTT `W/` topics can change them. The config file only gives the values
 * used the first time a setting is created (localsettings keeps a stored value).
 */
import { TUNABLE_RANGES } from '../core/params';
import type { TunablesConfig } from '../config/types';

export interface TunableSetting {
  key: keyof TunablesConfig;
  /** Setting name under /Settings/SmallBms/<bank>/. */
  setting: string;
  type: 'i' | 'd';
  min: number;
  max: number;
  toSetting(t: TunablesConfig): number;
  /** undefined when the stored value is not acceptable. */
  fromSetting(v: number): TunablesConfig[keyof TunablesConfig] | undefined;
}

function numeric(
  key: keyof typeof TUNABLE_RANGES,
  setting: string,
  type: 'i' | 'd',
): TunableSetting {
  const { min, max } = TUNABLE_RANGES[key];
  return {
    key,
    setting,
    type,
    min,
    max,
    toSetting: (t) => t[key],
    fromSetting: (v) => (Number.isFinite(v) && v >= min && v <= max ? v : undefined),
  };
}

export const TUNABLE_SETTINGS: readonly TunableSetting[] = [
  numeric('preAlarmLeadS', 'PreAlarmLead', 'i'),
  numeric('dischargeFloorPct', 'DischargeFloor', 'd'),
  numeric('lowSocMarginPct', 'LowSocMargin', 'd'),
  numeric('lowSocShutdownDelayS', 'LowSocShutdownDelay', 'i'),
  numeric('socHysteresisPct', 'SocHysteresis', 'd'),
  numeric('chargeDetectVoltagePer12V', 'ChargeDetectVoltage', 'd'),
  numeric('chargeDetectCurrentA', 'ChargeDetectCurrent', 'd'),
  numeric('chargeDetectHoldS', 'ChargeDetectHold', 'i'),
  numeric('minOffTimeS', 'MinOffTime', 'i'),
  {
    key: 'preAlarmAfterDisconnect',
    setting: 'PreAlarmAfterDisconnect',
    type: 'i',
    min: 0,
    max: 1,
    toSetting: (t) => (t.preAlarmAfterDisconnect ? 1 : 0),
    fromSetting: (v) => (v === 0 ? false : v === 1 ? true : undefined),
  },
  {
    key: 'preAlarmMode',
    setting: 'PreAlarmMode',
    type: 'i',
    min: 0,
    max: 1,
    toSetting: (t) => (t.preAlarmMode === 'intermittent' ? 1 : 0),
    fromSetting: (v) => (v === 0 ? 'continuous' : v === 1 ? 'intermittent' : undefined),
  },
];

export function settingsPrefix(bank: string): string {
  return `/Settings/SmallBms/${bank}`;
}

/**
 * Apply one stored setting value to the tunables; returns the new tunables, or undefined
 * when the value is refused (the old value stays in force).
 */
export function applySetting(
  current: TunablesConfig,
  setting: TunableSetting,
  value: unknown,
): TunablesConfig | undefined {
  if (typeof value !== 'number') return undefined;
  const parsed = setting.fromSetting(value);
  if (parsed === undefined) return undefined;
  return { ...current, [setting.key]: parsed };
}
