/**
 * Tunables (behaviour.md section 3): defaults, allowed ranges, and the conversion to the
 * engine's units.
 */
import type { TunablesConfig } from '../config/types';
import type { EngineParams } from './types';

export const DEFAULT_TUNABLES: TunablesConfig = {
  preAlarmLeadS: 30,
  dischargeFloorPct: 10,
  lowSocMarginPct: 5,
  lowSocShutdownDelayS: 300,
  socHysteresisPct: 3,
  chargeDetectVoltagePer12V: 13.3,
  chargeDetectCurrentA: 1.0,
  chargeDetectHoldS: 10,
  minOffTimeS: 10,
  preAlarmAfterDisconnect: false,
  preAlarmMode: 'continuous',
};

/** The tunables that are numbers (the ones with a range). */
export type NumericTunable = {
  [K in keyof TunablesConfig]: TunablesConfig[K] extends number ? K : never;
}[keyof TunablesConfig];

export interface Range {
  min: number;
  max: number;
}

/**
 * Allowed ranges. The pre-alarm lead never goes below 30 s: that is the datasheet's promise
 * to whoever hears the buzzer before the loads drop.
 */
export const TUNABLE_RANGES: Readonly<Record<NumericTunable, Range>> = {
  preAlarmLeadS: { min: 30, max: 600 },
  dischargeFloorPct: { min: 0, max: 99 },
  lowSocMarginPct: { min: 1, max: 20 },
  lowSocShutdownDelayS: { min: 30, max: 3600 },
  socHysteresisPct: { min: 1, max: 20 },
  chargeDetectVoltagePer12V: { min: 12.0, max: 15.0 },
  chargeDetectCurrentA: { min: 0.1, max: 100 },
  chargeDetectHoldS: { min: 0, max: 600 },
  minOffTimeS: { min: 0, max: 600 },
};

/** behaviour.md section 4: the longest STARTING waits for a first reading of every line. */
export const STARTUP_HOLD_S = 3;

/**
 * behaviour.md section 4: how long a new state must hold before the outputs follow it: 1 s,
 * or two poll periods of the slowest polled line when that is longer (two contacts that
 * change together may be read a poll apart).
 */
export const SETTLE_S = 1;

/**
 * The engine's parameters for a system voltage (the charge-detect voltage scales with it) and
 * the slowest poll period of the polled lines (0 when none is polled).
 */
export function paramsFromTunables(
  t: TunablesConfig,
  systemVoltage: 12 | 24 | 48,
  slowestPollMs = 0,
): EngineParams {
  return {
    preAlarmLeadS: t.preAlarmLeadS,
    dischargeFloorPct: t.dischargeFloorPct,
    lowSocMarginPct: t.lowSocMarginPct,
    lowSocShutdownDelayS: t.lowSocShutdownDelayS,
    socHysteresisPct: t.socHysteresisPct,
    // Multiply by the exact factor 1, 2 or 4: (13.3 * 12) / 12 is not 13.3 in floating point.
    chargeDetectVoltage: t.chargeDetectVoltagePer12V * (systemVoltage / 12),
    chargeDetectCurrentA: t.chargeDetectCurrentA,
    chargeDetectHoldS: t.chargeDetectHoldS,
    minOffTimeS: t.minOffTimeS,
    preAlarmAfterDisconnect: t.preAlarmAfterDisconnect,
    startupHoldS: STARTUP_HOLD_S,
    settleS: Math.max(SETTLE_S, (2 * slowestPollMs) / 1000),
  };
}

/** The defaults on a 12 V system, handy for the shell's first start and for tests. */
export const DEFAULT_PARAMS: EngineParams = paramsFromTunables(DEFAULT_TUNABLES, 12);
