/**
 * The protection engine (behaviour.md section 4): a pure function of (memory, input snapshot,
 * monotonic now, parameters). No timers, no I/O, no clock: the shell calls `step` on every
 * input change and again at `nextDeadline`. Calling it more often changes nothing, because
 * every timed transition is a deadline reported here.
 */
import { buildEvents, stateReason, type StepWhy } from './events';
import {
  chargeBlockReason,
  computeAlarms,
  gateOf,
  preAlarmLineOn,
  unreadAsUnhealthy,
  unreadLines,
} from './lines';
import { detectCharge, floorEnabled, updateSocBands } from './soc';
import {
  OUTPUT_NAMES,
  type BmsState,
  type EngineInput,
  type EngineMemory,
  type EngineParams,
  type Outputs,
  type PersistedMemory,
  type StepResult,
} from './types';

/**
 * Start-up: STARTING, outputs held (nothing is written) until every wired line has a first
 * reading or the start-up hold expires. The engine counts the outputs as off meanwhile, so
 * its first decision is by levels (rules 3 and 9), never a pre-alarm cycle.
 */
export function initialMemory(restored?: PersistedMemory): EngineMemory {
  return {
    state: 'STARTING',
    outputs: { load: false, charge: false, preAlarm: false },
    startedAt: null,
    everyLineRead: false,
    preAlarmOnSince: null,
    uvPending: false,
    uvLatched: false,
    socLatched: restored?.socLatched ?? false,
    socWarning: false,
    socAlarm: false,
    lowSocCountdownStart: null,
    chargeCriterionSince: null,
    // Restored off times keep the minimum off time across a restart (rule 10); without
    // them a crash-restart restores the outputs at once.
    // Whole milliseconds, rounded later (never earlier): the minimum off time is not shortened.
    loadOffAt: wholeMs(restored?.loadOffAt ?? null),
    chargeOffAt: wholeMs(restored?.chargeOffAt ?? null),
    stateSettledAt: null,
    gateSettledAt: null,
    stateWhy: '',
    settleAt: null,
    alarms: {
      lowCellVoltage: null,
      lowSoc: 0,
      bmsCable: 0,
      highCellVoltage: null,
      highTemperature: null,
      lowChargeTemperature: null,
    },
  };
}

/** What must survive a restart (rule 10). */
export function persistedPart(m: EngineMemory): PersistedMemory {
  return { socLatched: m.socLatched, loadOffAt: m.loadOffAt, chargeOffAt: m.chargeOffAt };
}

function wholeMs(t: number | null): number | null {
  return t === null ? null : Math.ceil(t);
}

/** A parameter in seconds as whole milliseconds: 0.7 * 1000 is 700.0000000000001. */
function msOf(s: number): number {
  return Math.round(s * 1000);
}

/**
 * Seconds left, rounded up to 0.1 s so a countdown never shows 0 before it expires. The
 * difference is first rounded to whole milliseconds: with a fractional `now`, (now + 30000) -
 * now can be 30000.0000000002, which must read 30 s, not 30.1 s. What is left of a last
 * fraction of a millisecond still reads 0.1 s.
 */
export function secondsLeft(at: number, now: number): number {
  if (!(at > now)) return 0;
  return Math.max(1, Math.ceil(Math.round(at - now) / 100)) / 10;
}

/** The part of the state that the charge output follows: a gate, or running (rule 1). */
function gateClass(state: BmsState): BmsState | 'RUNNING' {
  return state === 'STARTING' || state === 'REMOTE_OFF' || state === 'FAULT' ? state : 'RUNNING';
}

function isRunning(state: BmsState): boolean {
  return state === 'NORMAL' || state === 'PRE_ALARM';
}

export function step(
  memory: EngineMemory,
  input: EngineInput,
  at: number,
  p: EngineParams,
): StepResult {
  // Whole milliseconds: every deadline and countdown is then exact integer arithmetic (with a
  // fractional now, since + 30000 - now is not always 30000). Rounding down never ends a
  // countdown early: a deadline is reached when the whole millisecond it names has begun.
  const now = Math.floor(at);
  const { soc } = input;
  // The start-up hold (section 4): once it has run, a line still without a first reading
  // is unhealthy, so the rules apply (FAULT for a required line) instead of waiting on.
  // Once every line has been read the hold is over for good: a line that loses its reading
  // later is unhealthy at once, never "unread" again (going back to STARTING would decide by
  // levels when the hold ends and could drop loads without the pre-alarm lead).
  const startedAt = memory.startedAt ?? now;
  const holdEnd = startedAt + msOf(p.startupHoldS);
  const everyLineRead = memory.everyLineRead || unreadLines(input.lines).length === 0;
  const holdOver = now >= holdEnd || memory.everyLineRead;
  const unread = holdOver ? unreadLines(input.lines) : [];
  const lines = unreadAsUnhealthy(input.lines, unread);
  const gate = gateOf({ ...input, lines }, { s: p.startupHoldS, unread });
  const loadWasOn = memory.outputs.load;
  const leadMs = msOf(p.preAlarmLeadS);
  const minOffMs = msOf(p.minOffTimeS);
  const settleMs = msOf(p.settleS);
  const loadFreeAt = memory.loadOffAt === null ? null : memory.loadOffAt + minOffMs;
  const chargeFreeAt = memory.chargeOffAt === null ? null : memory.chargeOffAt + minOffMs;
  const loadMinOffOk = loadFreeAt === null || now >= loadFreeAt;
  const chargeMinOffOk = chargeFreeAt === null || now >= chargeFreeAt;

  const charge = detectCharge(memory.chargeCriterionSince, input, now, p);
  const bands = updateSocBands(memory, soc, p);
  const floorOn = floorEnabled(p);
  const socRecovered = soc !== null && soc >= p.dischargeFloorPct + p.socHysteresisPct;
  const socAtFloor = floorOn && soc !== null && soc <= p.dischargeFloorPct;
  const atdReleased = lines.dischargeAllowed === 'released';
  // Unwired ATD: the discharge side never sees under-voltage (decision 2).
  const atdClear = lines.dischargeAllowed === undefined || lines.dischargeAllowed === 'asserted';
  // When the pre-alarm output has been (or will be) on since, if it is wanted on from now on:
  // at once while loads are on (the warning before they drop) or when leaving STARTING,
  // else once the PRE_ALARM state has held the settle time (see the outputs below).
  let preAlarmSince: number;
  if (memory.outputs.preAlarm && memory.preAlarmOnSince !== null) {
    preAlarmSince = memory.preAlarmOnSince;
  } else if (loadWasOn || memory.state === 'STARTING') {
    preAlarmSince = now;
  } else if (memory.state === 'PRE_ALARM' && memory.stateSettledAt !== null) {
    preAlarmSince = Math.max(now, memory.stateSettledAt);
  } else {
    preAlarmSince = now + settleMs;
  }

  let { uvPending, uvLatched, socLatched } = memory;
  let uvExpired = false;
  let socExpired = false;

  // Rules 4 and 7: the latches release on levels, and only once the load may come back.
  if (uvLatched && atdClear && loadMinOffOk) uvLatched = false;
  if (!floorOn) socLatched = false;
  else if (socLatched && socRecovered && loadMinOffOk) socLatched = false;

  // Rules 3 and 9: with loads off, evaluate levels, not edges: no pre-alarm cycle is owed
  // because no load is being dropped.
  const latchLevels = (): void => {
    if (atdReleased) uvLatched = true;
    if (socAtFloor) socLatched = true;
  };
  if (gate !== null || !loadWasOn) latchLevels();

  // Rule 2: ATD dropped with loads on. Loads go off once the pre-alarm output has been on
  // for the lead time; ATD coming back first cancels it (uvPending clears below).
  uvPending = uvPending && atdReleased;
  let uvExpiry: number | null = null;
  if (gate === null && loadWasOn && atdReleased) {
    uvPending = true;
    uvExpiry = preAlarmSince + leadMs;
    if (now >= uvExpiry) {
      uvLatched = true;
      uvExpired = true;
    }
  }

  // Rule 6: the shutdown countdown runs while loads are (or are about to be) on, SoC is
  // known and at the floor, and no charge is detected; anything else resets it (rule 11).
  const loadMayRun = gate === null && !uvLatched && !socLatched && (loadWasOn || loadMinOffOk);
  const counting = loadMayRun && bands.socAlarm && soc !== null && !charge.detected;
  let countdownStart = counting ? (memory.lowSocCountdownStart ?? now) : null;
  let socExpiry: number | null = null;
  if (countdownStart !== null) {
    // The pre-alarm output must also have been on for the lead time (rule 6).
    socExpiry = Math.max(countdownStart + msOf(p.lowSocShutdownDelayS), preAlarmSince + leadMs);
    if (now >= socExpiry) {
      socLatched = true;
      socExpired = true;
    }
  }

  const loadOff = gate !== null || uvLatched || socLatched;
  if (loadOff) {
    uvPending = false;
    countdownStart = null;
    latchLevels();
  }

  const preAlarmCauses: string[] = [];
  if (preAlarmLineOn(lines)) preAlarmCauses.push(`pre-alarm line ${lines.preAlarm}`);
  if (uvPending && uvExpiry !== null) {
    preAlarmCauses.push(
      `allowed-to-discharge released (cell under-voltage): loads go off in ${secondsLeft(uvExpiry, now)} s`,
    );
  }
  if (countdownStart !== null && socExpiry !== null) {
    preAlarmCauses.push(
      `low SoC alarm (SoC ${soc} % ≤ floor ${p.dischargeFloorPct} %): loads go off in ${secondsLeft(socExpiry, now)} s`,
    );
  } else if (bands.socAlarm) {
    preAlarmCauses.push(`low SoC alarm (floor ${p.dischargeFloorPct} %)`);
  } else if (bands.socWarning) {
    preAlarmCauses.push(
      `low SoC warning (floor + margin ${p.dischargeFloorPct + p.lowSocMarginPct} %)`,
    );
  }

  let state: BmsState;
  if (gate !== null) state = gate.state;
  else if (uvLatched) state = 'LOADS_OFF_UV';
  else if (socLatched) state = 'LOADS_OFF_SOC';
  else if (preAlarmCauses.length > 0) state = 'PRE_ALARM';
  else state = 'NORMAL';

  const blockReason = gate === null ? chargeBlockReason(lines) : gate.reason;
  const chargeWanted = blockReason === null;
  const loadsOffState = state === 'LOADS_OFF_UV' || state === 'LOADS_OFF_SOC';
  // What the state wants (section 4's table, the charge rule and the minimum off time).
  const want: Outputs = {
    load: isRunning(state) && (loadWasOn || loadMinOffOk),
    charge: chargeWanted && (memory.outputs.charge || chargeMinOffOk),
    preAlarm:
      state === 'PRE_ALARM' || state === 'FAULT' || (loadsOffState && p.preAlarmAfterDisconnect),
  };
  // Outputs follow a state once it has held the settle time, so that a state that lasts
  // less (two contacts that the BMS switches together, seen one poll apart) moves nothing.
  // Load and charge go off at once, and the pre-alarm comes on at once while loads are on
  // (the lead counts from then). Leaving STARTING decides at once: the targets were held.
  const stateChanged = state !== memory.state;
  const settledAt = (same: boolean, before: number | null): number =>
    memory.state === 'STARTING' ? now : same && before !== null ? before : now + settleMs;
  const stateSettledAt = settledAt(!stateChanged, memory.stateSettledAt);
  const settled = now >= stateSettledAt;
  // The charge output follows the gates only (discharge-side states never hold it, rule 1).
  const gateSettledAt = settledAt(
    gateClass(state) === gateClass(memory.state),
    memory.gateSettledAt,
  );
  const chargeSettled = now >= gateSettledAt;
  const was = memory.outputs;
  // STARTING holds: nothing is written, so the outputs stay what they were (section 4).
  const outputs: Outputs =
    state === 'STARTING'
      ? { ...was }
      : {
          load: want.load && (was.load || settled),
          charge: want.charge && (was.charge || chargeSettled),
          preAlarm: want.preAlarm ? was.preAlarm || settled || loadWasOn : was.preAlarm && !settled,
        };
  const waits: number[] = [];
  if (state !== 'STARTING') {
    if (outputs.load !== want.load || outputs.preAlarm !== want.preAlarm) {
      waits.push(stateSettledAt);
    }
    if (outputs.charge !== want.charge) waits.push(gateSettledAt);
  }
  const settleAt = waits.length > 0 ? Math.min(...waits) : null;
  // Held by the minimum off time (not by the settle time): for the notes and deadlines.
  const loadHeld = isRunning(state) && !loadWasOn && !loadMinOffOk;
  const chargeHeld = chargeWanted && !memory.outputs.charge && !chargeMinOffOk;

  const alarms = computeAlarms(lines, {
    uvLatched,
    uvPending,
    socWarning: bands.socWarning,
    socAlarm: bands.socAlarm,
    fault: state === 'FAULT',
  });

  const why: StepWhy = {
    now,
    lines,
    soc,
    params: p,
    gateReason: gate?.reason ?? null,
    uvExpired,
    socExpired,
    preAlarmCauses,
    chargeBlock: blockReason,
    // Outputs that change now because the state they follow has settled.
    settled: OUTPUT_NAMES.filter(
      (o) =>
        !stateChanged &&
        memory.settleAt !== null &&
        now >= memory.settleAt &&
        outputs[o] !== was[o],
    ),
  };
  // Why the engine is in this state: the PRE_ALARM causes are live (countdowns); the others
  // are said once, when the state begins.
  const stateWhy =
    stateChanged || state === 'PRE_ALARM' ? stateReason(memory, state, why) : memory.stateWhy;

  const next: EngineMemory = {
    state,
    outputs,
    startedAt,
    everyLineRead,
    preAlarmOnSince: outputs.preAlarm
      ? was.preAlarm
        ? (memory.preAlarmOnSince ?? now)
        : now
      : null,
    uvPending,
    uvLatched,
    socLatched,
    socWarning: bands.socWarning,
    socAlarm: bands.socAlarm,
    lowSocCountdownStart: countdownStart,
    chargeCriterionSince: charge.since,
    loadOffAt: loadWasOn && !outputs.load ? now : memory.loadOffAt,
    chargeOffAt: memory.outputs.charge && !outputs.charge ? now : memory.chargeOffAt,
    stateSettledAt,
    gateSettledAt,
    stateWhy,
    settleAt,
    alarms,
  };

  // Every time at which the result changes with no input change.
  const deadlines: number[] = [];
  if (charge.deadline !== null) deadlines.push(charge.deadline);
  if (uvPending && uvExpiry !== null) deadlines.push(uvExpiry);
  if (countdownStart !== null && socExpiry !== null) deadlines.push(socExpiry);
  const loadWaits = loadHeld || (uvLatched && atdClear) || (socLatched && floorOn && socRecovered);
  if (loadFreeAt !== null && now < loadFreeAt && loadWaits) deadlines.push(loadFreeAt);
  if (chargeFreeAt !== null && chargeHeld) deadlines.push(chargeFreeAt);
  if (settleAt !== null) deadlines.push(settleAt);
  // The hold's end turns unread lines unhealthy: a change with no input change.
  if (!holdOver && unreadLines(input.lines).length > 0) deadlines.push(holdEnd);

  const notes: string[] = [];
  if (gate !== null) notes.push(gate.reason);
  if (floorOn && soc === null) notes.push('SoC source missing: discharge floor logic paused');
  if (!floorOn) notes.push('discharge floor disabled (0 %)');
  if (loadFreeAt !== null && loadHeld) {
    notes.push(`load held off by the minimum off time (${secondsLeft(loadFreeAt, now)} s left)`);
  }
  if (chargeFreeAt !== null && chargeHeld) {
    notes.push(
      `charge held off by the minimum off time (${secondsLeft(chargeFreeAt, now)} s left)`,
    );
  }
  if (gate === null && blockReason !== null) notes.push(`charging blocked: ${blockReason}`);
  if (charge.detected && bands.socAlarm) notes.push('charge detected: low-SoC shutdown paused');

  return {
    memory: next,
    state,
    held: state === 'STARTING',
    outputs,
    alarms,
    countdowns: {
      loadDisconnectS: uvPending && uvExpiry !== null ? secondsLeft(uvExpiry, now) : null,
      lowSocShutdownS:
        countdownStart !== null && socExpiry !== null ? secondsLeft(socExpiry, now) : null,
    },
    chargeDetected: charge.detected,
    notes,
    events: buildEvents(memory, next, why),
    nextDeadline: deadlines.length > 0 ? Math.min(...deadlines) : null,
  };
}
