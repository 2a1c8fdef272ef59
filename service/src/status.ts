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
  OutputName,
  Outputs,
} from './core/types';
import { formatLocal, type Zone } from './local-time';
import { eventSentence } from './words';

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
  /** One line: the latest event, in the GX's time zone and in words. */
  lastEvent: string | null;
  /** Per output: the level read back from its targets (null: unknown, mixed, or no target). */
  actual: Record<OutputName, boolean | null>;
  /**
   * Per output: where its targets differ from the engine's wish, in words
   * (`load: engine wants ON, relay 1 is OFF (relay test)`); "" when they agree.
   */
  outputNotes: Record<OutputName, string>;
  /** Commissioning: the relay test per output (forced level), null = none. */
  tests: Record<OutputName, boolean | null>;
  /** The last relay test action in words (driven, ended, refused and why); "" before any. */
  testResult: string;
}

/** An engine event as kept in the history, on D-Bus and on MQTT. */
export interface HistoryEvent extends EngineEvent {
  /** Sequence number, increasing over the life of the history (survives restarts). */
  seq: number;
  /** Wall-clock time, ISO 8601 (for people; ordering uses seq). */
  wallTime: string;
}

/** What changed, in the machine's words (the demo's timeline): `state NORMAL → PRE_ALARM`, `load output on`, `alarm lowSoc 0 → 1`. */
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

/**
 * One line for people, in the GX's time zone: `2026-11-23 03:12:04 +01:00 Normal → Pre-alarm:
 * the BMS raised its pre-alarm`. An unreadable wall time is shown as stored.
 */
export function formatEvent(e: HistoryEvent, zone: Zone): string {
  const ms = Date.parse(e.wallTime);
  const when = Number.isFinite(ms) ? formatLocal(ms, zone) : e.wallTime;
  return `${when} ${eventSentence(e)}`;
}
