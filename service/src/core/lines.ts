/**
 * What the line snapshot says, read once per step: the gate states (REMOTE_OFF, FAULT,
 * STARTING) that override the running states, the charge rule's line part, and the alarms.
 */
import {
  CHARGE_BLOCKING_ROLES,
  LINE_ROLES,
  REQUIRED_ROLES,
  type Alarms,
  type AlarmLevel,
  type EngineInput,
  type LineRole,
  type LineSnapshot,
} from './types';

export type GateState = 'REMOTE_OFF' | 'FAULT' | 'STARTING';

/** A state that overrides the running states, with the reason. */
export interface Gate {
  state: GateState;
  reason: string;
}

function rolesWith(lines: LineSnapshot, roles: readonly LineRole[], status: string): LineRole[] {
  return roles.filter((r) => lines[r] === status);
}

/**
 * Decision 1: remote off wins over everything (the user asked for it), then FAULT (a
 * required line cannot be read), then STARTING (a wired line has no first reading yet).
 */
export function gateOf(input: EngineInput, hold?: { s: number; unread: LineRole[] }): Gate | null {
  const { lines } = input;
  const remoteLine = lines.remote === 'released';
  if (!input.softwareRemoteOn || remoteLine) {
    const why: string[] = [];
    if (!input.softwareRemoteOn) why.push('software /Mode standby');
    if (remoteLine) why.push('remote line released');
    return { state: 'REMOTE_OFF', reason: `remote off (${why.join(', ')})` };
  }
  const broken = rolesWith(lines, REQUIRED_ROLES, 'unhealthy');
  if (broken.length > 0) {
    const why = broken.map((r) => `line ${r} unhealthy`).join(', ');
    const unread = broken.filter((r) => hold?.unread.includes(r));
    return {
      state: 'FAULT',
      reason:
        hold !== undefined && unread.length > 0
          ? `${why} (no first reading within the ${hold.s} s start-up hold)`
          : why,
    };
  }
  const unknown = rolesWith(lines, LINE_ROLES, 'unknown');
  if (unknown.length > 0) {
    return { state: 'STARTING', reason: `waiting for a first reading of ${unknown.join(', ')}` };
  }
  return null;
}

/**
 * The line part of the charge rule (rule 1, decision 7): null when charging may go on,
 * else why not. An unhealthy blocking line blocks: it may be hiding an over-voltage.
 */
export function chargeBlockReason(lines: LineSnapshot): string | null {
  const atc = lines.chargeAllowed;
  const why: string[] = [];
  if (atc !== undefined && atc !== 'asserted') why.push(`allowed-to-charge ${atc}`);
  for (const role of CHARGE_BLOCKING_ROLES) {
    const s = lines[role];
    if (s === 'asserted' || s === 'unhealthy') why.push(`line ${role} ${s}`);
  }
  return why.length > 0 ? why.join(', ') : null;
}

/** The pre-alarm line warns when asserted; unhealthy counts as a warning too (decision 2). */
export function preAlarmLineOn(lines: LineSnapshot): boolean {
  return lines.preAlarm === 'asserted' || lines.preAlarm === 'unhealthy';
}

/** Wired lines with no first reading yet. */
export function unreadLines(lines: LineSnapshot): LineRole[] {
  return rolesWith(lines, LINE_ROLES, 'unknown');
}

/** After the start-up hold: every line still `unknown` counts as `unhealthy`. */
export function unreadAsUnhealthy(lines: LineSnapshot, unread: LineRole[]): LineSnapshot {
  if (unread.length === 0) return lines;
  const out: LineSnapshot = { ...lines };
  for (const r of unread) out[r] = 'unhealthy';
  return out;
}

export function unhealthyLines(lines: LineSnapshot): LineRole[] {
  return rolesWith(lines, LINE_ROLES, 'unhealthy');
}

export interface AlarmFacts {
  uvLatched: boolean;
  uvPending: boolean;
  socWarning: boolean;
  socAlarm: boolean;
  fault: boolean;
}

function optionalAlarm(lines: LineSnapshot, role: LineRole): AlarmLevel {
  const s = lines[role];
  if (s === undefined) return null;
  // An unhealthy line is a cable problem and shows in BmsCable, not as the cause it names.
  return s === 'asserted' ? 2 : 0;
}

/**
 * Section 5 alarms, as level functions of the lines and the engine's latches. They are
 * computed the same way in every state, STARTING included: an alarm there is what the lines
 * and the SoC already say (unknown lines count as "no alarm").
 */
export function computeAlarms(lines: LineSnapshot, f: AlarmFacts): Alarms {
  let lowCellVoltage: AlarmLevel = null;
  if (lines.dischargeAllowed !== undefined || lines.preAlarm !== undefined) {
    if (f.uvLatched) lowCellVoltage = 2;
    else if (f.uvPending || preAlarmLineOn(lines)) lowCellVoltage = 1;
    else lowCellVoltage = 0;
  }
  return {
    lowCellVoltage,
    lowSoc: f.socAlarm ? 2 : f.socWarning ? 1 : 0,
    bmsCable: f.fault || unhealthyLines(lines).length > 0 ? 2 : 0,
    highCellVoltage: optionalAlarm(lines, 'cellOverVoltage'),
    highTemperature: optionalAlarm(lines, 'highTemperature'),
    lowChargeTemperature: optionalAlarm(lines, 'lowTemperature'),
  };
}
