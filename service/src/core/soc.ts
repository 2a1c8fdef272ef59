/**
 * The level functions of the discharge side that need no state machine: the low-SoC bands
 * (with hysteresis) and charge detection (rule 8).
 */
import type { EngineInput, EngineParams } from './types';

export interface SocBands {
  socWarning: boolean;
  socAlarm: boolean;
}

/** The floor logic is off with a floor of 0 % (behaviour.md section 3). */
export function floorEnabled(p: EngineParams): boolean {
  return p.dischargeFloorPct > 0;
}

/**
 * Each band sets at or below its level and clears only at level + hysteresis, so a SoC
 * wobbling around the floor does not flap the alarms. A missing SoC holds the bands: we know
 * nothing new, and rule 11 says no new warning starts (and none should vanish either).
 */
export function updateSocBands(prev: SocBands, soc: number | null, p: EngineParams): SocBands {
  if (!floorEnabled(p)) return { socWarning: false, socAlarm: false };
  if (soc === null) return { socWarning: prev.socWarning, socAlarm: prev.socAlarm };
  const warnAt = p.dischargeFloorPct + p.lowSocMarginPct;
  return {
    socWarning: band(prev.socWarning, soc, warnAt, p.socHysteresisPct),
    socAlarm: band(prev.socAlarm, soc, p.dischargeFloorPct, p.socHysteresisPct),
  };
}

function band(was: boolean, soc: number, level: number, hysteresis: number): boolean {
  if (soc <= level) return true;
  if (soc >= level + hysteresis) return false;
  return was;
}

/** Voltage or current says a charger is working; a missing value counts as "no". */
export function chargeCriterion(input: EngineInput, p: EngineParams): boolean {
  const byVoltage = input.voltage !== null && input.voltage >= p.chargeDetectVoltage;
  const byCurrent = input.current !== null && input.current >= p.chargeDetectCurrentA;
  return byVoltage || byCurrent;
}

export interface ChargeDetection {
  since: number | null;
  detected: boolean;
  /** When detection completes if the criterion keeps holding, null if not pending. */
  deadline: number | null;
}

/** Rule 8: the criterion must hold continuously for the hold time. */
export function detectCharge(
  prevSince: number | null,
  input: EngineInput,
  now: number,
  p: EngineParams,
): ChargeDetection {
  if (!chargeCriterion(input, p)) return { since: null, detected: false, deadline: null };
  const since = prevSince ?? now;
  const at = since + p.chargeDetectHoldS * 1000;
  const detected = now >= at;
  return { since, detected, deadline: detected ? null : at };
}
