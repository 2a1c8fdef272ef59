/**
 * The protection engine's vocabulary. Everything here is plain data: the engine is a pure
 * function of (memory, input snapshot, monotonic now, parameters), see engine.ts.
 *
 * Times are monotonic milliseconds (the shell's clock); the engine never reads a clock.
 */

/** The binary signals from the battery's BMS (behaviour.md section 2). */
export const LINE_ROLES = [
  'dischargeAllowed',
  'chargeAllowed',
  'preAlarm',
  'remote',
  'cellOverVoltage',
  'highTemperature',
  'lowTemperature',
] as const;
export type LineRole = (typeof LINE_ROLES)[number];

/** A wired line that is unhealthy puts the engine in FAULT. */
export const REQUIRED_ROLES: readonly LineRole[] = ['dischargeAllowed', 'chargeAllowed', 'remote'];
/** Optional lines that, asserted (or unhealthy), block charging. */
export const CHARGE_BLOCKING_ROLES: readonly LineRole[] = [
  'cellOverVoltage',
  'highTemperature',
  'lowTemperature',
];

/**
 * What the shell knows of one wired line, after debounce and staleness:
 * - `asserted` / `released`: a valid, debounced level;
 * - `unknown`: wired, but no first reading yet (start-up);
 * - `unhealthy`: the source cannot be read (file missing, read error, service gone, invalid
 *   value, stale).
 * Unwired lines are simply absent from the snapshot.
 */
export type LineStatus = 'asserted' | 'released' | 'unknown' | 'unhealthy';

export type LineSnapshot = Partial<Record<LineRole, LineStatus>>;

export interface EngineInput {
  lines: LineSnapshot;
  /** State of charge in %, or null when missing or stale. */
  soc: number | null;
  /** Battery voltage in V, or null when missing or stale. */
  voltage: number | null;
  /** Battery current in A (+ = charging), or null when missing or stale. */
  current: number | null;
  /** Software remote switch (`/Mode`: 3 on = true, 252 standby = false). */
  softwareRemoteOn: boolean;
}

/** Tunables (behaviour.md section 3), in engine units. */
export interface EngineParams {
  preAlarmLeadS: number;
  dischargeFloorPct: number;
  lowSocMarginPct: number;
  lowSocShutdownDelayS: number;
  socHysteresisPct: number;
  /** Absolute charge-detect voltage in V (the config gives it per 12 V of system voltage). */
  chargeDetectVoltage: number;
  chargeDetectCurrentA: number;
  chargeDetectHoldS: number;
  minOffTimeS: number;
  preAlarmAfterDisconnect: boolean;
  /**
   * Start-up hold (behaviour.md section 4): STARTING writes no target until every wired line
   * has a first reading, at most this long; a line still unread then counts as unhealthy.
   */
  startupHoldS: number;
  /**
   * Settle time (behaviour.md section 4): a new state must hold this long before the outputs
   * follow it, except load and charge going off (at once) and the pre-alarm coming on while
   * loads are on (at once: the lead counts from then). A state that lasts less moves nothing.
   */
  settleS: number;
}

export const BMS_STATES = [
  'STARTING',
  'NORMAL',
  'PRE_ALARM',
  'LOADS_OFF_UV',
  'LOADS_OFF_SOC',
  'REMOTE_OFF',
  'FAULT',
] as const;
export type BmsState = (typeof BMS_STATES)[number];

/** `/Bms/State` codes (contract.md). The index in BMS_STATES is the code. */
export function stateCode(state: BmsState): number {
  return BMS_STATES.indexOf(state);
}

export interface Outputs {
  /** Loads allowed. */
  load: boolean;
  /** Charging allowed. */
  charge: boolean;
  /** Pre-alarm output on. */
  preAlarm: boolean;
}
export type OutputName = keyof Outputs;
export const OUTPUT_NAMES: readonly OutputName[] = ['load', 'charge', 'preAlarm'];

/** 0 ok, 1 warning, 2 alarm; null = not applicable (the line behind it is not wired). */
export type AlarmLevel = 0 | 1 | 2 | null;

export interface Alarms {
  lowCellVoltage: AlarmLevel;
  lowSoc: AlarmLevel;
  bmsCable: AlarmLevel;
  highCellVoltage: AlarmLevel;
  highTemperature: AlarmLevel;
  lowChargeTemperature: AlarmLevel;
}
export type AlarmName = keyof Alarms;

/**
 * What the engine remembers between steps. Plain JSON-able data; the parts that must
 * survive a restart are listed in PersistedMemory.
 */
export interface EngineMemory {
  state: BmsState;
  /** While STARTING: all off, but nothing is written (the outputs are held, see `held`). */
  outputs: Outputs;
  /** Monotonic time of the first step (the start-up hold runs from it); null before it. */
  startedAt: number | null;
  /** Every wired line has had a first reading once: from then on the hold is over for good. */
  everyLineRead: boolean;
  /** Monotonic time the pre-alarm output last went on, null while off. */
  preAlarmOnSince: number | null;
  /** ATD dropped while loads were on: the load-disconnect countdown runs. */
  uvPending: boolean;
  /** Loads are off for cell under-voltage until ATD returns (rule 4). */
  uvLatched: boolean;
  /** Loads are off at the discharge floor until SoC recovers (rule 7). Persisted. */
  socLatched: boolean;
  /** Low-SoC warning band (with hysteresis). */
  socWarning: boolean;
  /** Low-SoC alarm band (with hysteresis). */
  socAlarm: boolean;
  /** Start of the low-SoC shutdown countdown, null when not counting. */
  lowSocCountdownStart: number | null;
  /** Since when the charge criterion (voltage or current) holds, null when it does not. */
  chargeCriterionSince: number | null;
  /** When the load / charge output last went off (for the minimum off time). Persisted. */
  loadOffAt: number | null;
  chargeOffAt: number | null;
  /**
   * When the current state has held the settle time (its start + settleS; its start when it
   * left STARTING, which decides at once); null before the first step.
   */
  stateSettledAt: number | null;
  /** The same for the current gate (STARTING, REMOTE_OFF, FAULT or none): charge follows it. */
  gateSettledAt: number | null;
  /** Why the engine is in its current state (the reason of the last state event). */
  stateWhy: string;
  /** Some output waits for the current state to settle until then; null when none waits. */
  settleAt: number | null;
  alarms: Alarms;
}

/** What a restart must not forget (behaviour.md rule 10), in the current monotonic clock. */
export interface PersistedMemory {
  socLatched: boolean;
  loadOffAt: number | null;
  chargeOffAt: number | null;
}

/**
 * `target`: a problem of one output target (overridden, function taken away, unreachable).
 * `control`: a commissioning action (dry run switched, `test-output`), name `dryRun` or
 * `test-output <output>`.
 */
export type EngineEventKind = 'state' | 'output' | 'alarm' | 'target' | 'control';

export interface EngineEvent {
  /** Monotonic time of the event. */
  t: number;
  kind: EngineEventKind;
  /** State: 'state'; output: 'load' | 'charge' | 'preAlarm'; alarm: an AlarmName. */
  name: string;
  from: string | number | boolean | null;
  to: string | number | boolean | null;
  /** Why, in one human sentence. */
  reason: string;
  /** The line levels when it happened. */
  lines: LineSnapshot;
}

export interface Countdowns {
  /** Seconds left before loads go off for under-voltage, null when not counting. */
  loadDisconnectS: number | null;
  /** Seconds left before loads go off at the discharge floor, null when not counting. */
  lowSocShutdownS: number | null;
}

export interface StepResult {
  memory: EngineMemory;
  state: BmsState;
  /**
   * STARTING: no target may be written (the outputs stay where they are) until every wired
   * line has a first reading or the start-up hold expires. `outputs` is then meaningless.
   */
  held: boolean;
  outputs: Outputs;
  alarms: Alarms;
  countdowns: Countdowns;
  chargeDetected: boolean;
  /** Human status notes, e.g. "SoC source missing: discharge floor inactive". */
  notes: string[];
  events: EngineEvent[];
  /** Monotonic time at which step must be called again even if no input changes, or null. */
  nextDeadline: number | null;
}
