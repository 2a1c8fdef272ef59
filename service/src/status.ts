/**
 * The service's published picture of itself: one snapshot shared by D-Bus, MQTT, the CLI
 * (`smallbms status`) and the GUI, and the event record kept in the history.
 */
import type {
  Alarms,
  BmsState,
  Countdowns,
  EngineEvent,
  LineRole,
  LineStatus,
  Outputs,
} from './core/types';

export interface StatusSnapshot {
  /** D-Bus service name, e.g. com.victronenergy.battery.smallbms. */
  service: string;
  /** Bank name (`Default` for the first bank). */
  name: string;
  state: BmsState;
  /** `/Bms/State` code. */
  stateCode: number;
  /** Wired lines only. */
  lines: Partial<Record<LineRole, LineStatus>>;
  outputs: Outputs;
  alarms: Alarms;
  countdowns: Countdowns;
  chargeDetected: boolean;
  soc: number | null;
  voltage: number | null;
  current: number | null;
  /** Software remote switch. */
  mode: 'on' | 'standby';
  dryRun: boolean;
  /** Human status notes (SoC source missing, relay function not manual, ...). */
  notes: string[];
  /** One line: the latest event. */
  lastEvent: string | null;
}

/** An engine event as kept in the history, on D-Bus and on MQTT. */
export interface HistoryEvent extends EngineEvent {
  /** Sequence number, increasing over the life of the history (survives restarts). */
  seq: number;
  /** Wall-clock time, ISO 8601 (for people; ordering uses seq). */
  wallTime: string;
}

/** One line, e.g. `2026-11-23T03:12:04Z state NORMAL → PRE_ALARM: pre-alarm line asserted`. */
/** What changed, in words: `state NORMAL → PRE_ALARM`, `load output on`, `alarm lowSoc 0 → 1`. */
export function eventWhat(e: Pick<HistoryEvent, 'kind' | 'name' | 'from' | 'to'>): string {
  const show = (v: string | number | boolean | null): string => (v === null ? '-' : String(v));
  if (e.kind === 'output') return `${e.name} output ${e.to === true ? 'on' : 'off'}`;
  // Commissioning: `dry run on`, `test-output load off`.
  if (e.kind === 'control') {
    return `${e.name === 'dryRun' ? 'dry run' : e.name} ${e.to === true ? 'on' : 'off'}`;
  }
  // A state event's name is "state": say it once.
  const subject = e.kind === e.name ? e.kind : `${e.kind} ${e.name}`;
  return `${subject} ${show(e.from)} → ${show(e.to)}`;
}

export function formatEvent(e: HistoryEvent): string {
  return `${e.wallTime} ${eventWhat(e)}: ${e.reason}`;
}
