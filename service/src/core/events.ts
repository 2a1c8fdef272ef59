/**
 * Events (behaviour.md section 7): one per change of state, output or alarm level, each with
 * a sentence a user can read at 03:12 to learn why the inverter switched off.
 */
import type {
  AlarmLevel,
  AlarmName,
  BmsState,
  EngineEvent,
  EngineMemory,
  EngineParams,
  LineSnapshot,
  OutputName,
} from './types';

/** What the step decided and why, for the event sentences. */
export interface StepWhy {
  now: number;
  lines: LineSnapshot;
  soc: number | null;
  params: EngineParams;
  gateReason: string | null;
  /** Loads went off now because the UV pre-alarm lead elapsed (rule 2). */
  uvExpired: boolean;
  /** Loads went off now because the low-SoC shutdown countdown elapsed (rule 6). */
  socExpired: boolean;
  preAlarmCauses: string[];
  /** Why charging is not allowed, null when it is (minimum off time aside). */
  chargeBlock: string | null;
  /** Outputs that change now because the state they waited for has held the settle time. */
  settled: OutputName[];
}

function socText(soc: number | null): string {
  return soc === null ? 'SoC unknown' : `SoC ${soc} %`;
}

/** Why the engine is in `state` now, coming from `from`. */
export function stateReason(from: EngineMemory, state: BmsState, w: StepWhy): string {
  const p = w.params;
  const recoverAt = p.dischargeFloorPct + p.socHysteresisPct;
  switch (state) {
    case 'STARTING':
    case 'REMOTE_OFF':
    case 'FAULT':
      return w.gateReason ?? state;
    case 'LOADS_OFF_UV':
      return w.uvExpired
        ? `allowed-to-discharge released (cell under-voltage): pre-alarm lead of ${p.preAlarmLeadS} s elapsed`
        : 'allowed-to-discharge released (cell under-voltage) while loads were off: loads stay off';
    case 'LOADS_OFF_SOC':
      if (w.socExpired) {
        return `${socText(w.soc)} at or below the discharge floor ${p.dischargeFloorPct} %: shutdown delay of ${p.lowSocShutdownDelayS} s elapsed without charge`;
      }
      if (from.socLatched)
        return `loads stay off at the discharge floor until SoC ≥ ${recoverAt} %`;
      return `${socText(w.soc)} at or below the discharge floor ${p.dischargeFloorPct} % while loads were off: loads stay off`;
    case 'PRE_ALARM':
      return w.preAlarmCauses.join('; ');
    case 'NORMAL':
      return leaveReason(from.state, w);
  }
}

function leaveReason(from: BmsState, w: StepWhy): string {
  switch (from) {
    case 'LOADS_OFF_UV':
      return 'allowed-to-discharge asserted again and minimum off time passed';
    case 'LOADS_OFF_SOC':
      return `${socText(w.soc)} back at or above ${w.params.dischargeFloorPct + w.params.socHysteresisPct} %`;
    case 'PRE_ALARM':
      return 'pre-alarm causes cleared';
    case 'REMOTE_OFF':
      return 'remote on';
    case 'FAULT':
      return 'required lines healthy again';
    default:
      return 'every wired line read';
  }
}

function outputReason(
  name: OutputName,
  to: boolean,
  from: EngineMemory,
  state: BmsState,
  stateWhy: string,
  w: StepWhy,
): string {
  const stateChanged = from.state !== state;
  // An output that waited for the state to settle changes for the state's reason.
  if (w.settled.includes(name) && (name === 'preAlarm' || to === true))
    return `state ${state}: ${stateWhy}`;
  if (name === 'charge') {
    if (!to) return `charging blocked: ${w.chargeBlock ?? stateWhy}`;
    return stateChanged && w.gateReason === null && isGate(from.state)
      ? `state ${state}: ${stateWhy}`
      : 'charge rule met: allowed-to-charge, no blocking line, minimum off time passed';
  }
  if (name === 'load' && to && !stateChanged) return 'minimum off time passed';
  if (name === 'preAlarm' && !stateChanged) return 'pre-alarm after disconnect setting changed';
  return `state ${state}: ${stateWhy}`;
}

function isGate(state: BmsState): boolean {
  return state === 'STARTING' || state === 'REMOTE_OFF' || state === 'FAULT';
}

function alarmReason(name: AlarmName, to: AlarmLevel, next: EngineMemory, w: StepWhy): string {
  const p = w.params;
  switch (name) {
    case 'lowCellVoltage':
      if (to === 2) return 'loads off for cell under-voltage';
      if (to === 1) {
        return next.uvPending
          ? 'allowed-to-discharge released: load-disconnect countdown'
          : `pre-alarm line ${w.lines.preAlarm}`;
      }
      return to === 0 ? 'cell voltage back in range' : 'no cell voltage line wired';
    case 'lowSoc':
      if (to === 2)
        return `${socText(w.soc)} at or below the discharge floor ${p.dischargeFloorPct} %`;
      if (to === 1) {
        return `${socText(w.soc)} at or below floor + margin ${p.dischargeFloorPct + p.lowSocMarginPct} %`;
      }
      return p.dischargeFloorPct > 0 ? `${socText(w.soc)} recovered` : 'discharge floor disabled';
    case 'bmsCable':
      return to === 2 ? (w.gateReason ?? 'a line is unhealthy') : 'all lines healthy';
    case 'highCellVoltage':
      return lineSentence('cellOverVoltage', w.lines);
    case 'highTemperature':
      return lineSentence('highTemperature', w.lines);
    case 'lowChargeTemperature':
      return lineSentence('lowTemperature', w.lines);
  }
}

function lineSentence(role: keyof LineSnapshot, lines: LineSnapshot): string {
  return `line ${role} ${lines[role] ?? 'not wired'}`;
}

export function buildEvents(from: EngineMemory, next: EngineMemory, w: StepWhy): EngineEvent[] {
  const events: EngineEvent[] = [];
  const push = (
    kind: EngineEvent['kind'],
    name: string,
    a: EngineEvent['from'],
    b: EngineEvent['to'],
    reason: string,
  ): void => {
    events.push({ t: w.now, kind, name, from: a, to: b, reason, lines: { ...w.lines } });
  };
  const stateWhy = next.stateWhy;
  if (from.state !== next.state) push('state', 'state', from.state, next.state, stateWhy);
  for (const name of ['load', 'charge', 'preAlarm'] as const) {
    const a = from.outputs[name];
    const b = next.outputs[name];
    // Leaving STARTING the outputs were held, not off: what was there is not known here.
    const was = from.state === 'STARTING' ? null : a;
    if (a !== b) push('output', name, was, b, outputReason(name, b, from, next.state, stateWhy, w));
  }
  for (const name of Object.keys(next.alarms) as AlarmName[]) {
    const a = from.alarms[name];
    const b = next.alarms[name];
    // null and 0 both mean "no alarm": a path becoming valid is not a protection event.
    if (a !== b && (a ?? 0) !== (b ?? 0)) {
      push('alarm', name, a, b, alarmReason(name, b, next, w));
    }
  }
  return events;
}
