import type { OutputTarget } from '../../src/config/types';

/**
 * The outcome of driving one target:
 * - `ok`: the target now has the wanted level;
 * - `refused`: we chose not to drive it (e.g. a relay whose function is not manual); it
 *   needs a user action, so it is not retried blindly;
 * - `error`: the write failed (service absent, SetValue refused, file error); retried.
 */
export interface TargetResult {
  status: 'ok' | 'refused' | 'error';
  /** Human sentence for logs and the status notes ("" when ok). */
  message: string;
}

export const OK: TargetResult = { status: 'ok', message: '' };

/** Result reported by a target on its own (e.g. a relay re-driven when it became manual). */
export type TargetResultListener = (on: boolean, result: TargetResult) => void;

export interface Target {
  readonly type: OutputTarget['type'];
  /** May the intermittent pre-alarm blink this target? Only cheap, wear-free outputs. */
  readonly blinkable: boolean;
  /** Drive the logical level (true = allowed / pre-alarm on); applies `invert`. */
  apply(on: boolean): Promise<TargetResult>;
  /** "relay 1 (com.victronenergy.system /Relay/0/State)". */
  describe(): string;
  /** The current problem for the status notes, or null. */
  problem(): string | null;
  /** Begin following whatever the target depends on (e.g. the relay function). */
  start(): void;
  stop(): void;
  /** Results the target produced by itself, outside apply(). */
  onResult?(listener: TargetResultListener): void;
  /**
   * What the target has now: the logical level (after invert; null when it holds neither
   * level) and the raw value, or null when it cannot be read. Used at start-up so only
   * differences are written, and to check a target after a write raced with another writer.
   */
  read?(): Promise<TargetReading | null>;
  /**
   * Follow the target's level (from start() to stop()): signals where the target has them,
   * a slow check of the file otherwise. Called with the logical level seen (null: neither
   * level) and the raw value, on every change seen.
   */
  observe?(listener: TargetObserver): void;
  /**
   * Something about the target that does not stop it being driven but that the user must
   * know (e.g. a relay whose polarity setting defeats the fail-safe wiring). Called with the
   * sentence when it begins or changes, and with null when it ends.
   */
  onWarning?(listener: (warning: string | null) => void): void;
}

export type TargetObserver = (on: boolean | null, raw: string) => void;

export interface TargetReading {
  on: boolean | null;
  raw: string;
}
