/**
 * One target as the output driver (driver.ts) drives it: the level last sent and the one
 * confirmed, the write under way, and the retries after an error (with backoff).
 */
import type { OutputName } from '../../src/core/types';
import type { TimerHandle } from '../clock';
import type { Target, TargetResult } from './types';

export interface Slot {
  output: OutputName;
  target: Target;
  /** Level last sent (or being sent); null = never, or forced to be re-sent. */
  attempted: boolean | null;
  /** Level the target confirmed; null = unknown. */
  applied: boolean | null;
  lastResult: TargetResult | null;
  dirty: boolean;
  running: Promise<void> | null;
  failures: number;
  retry: TimerHandle | null;
  /** Status of the last completed drive, for the problem events; null before the first. */
  status: TargetResult['status'] | null;
  /** A change was seen while a write ran: read the target back once it is done. */
  verify: boolean;
  /** Level last seen on the target (read back, observed or confirmed); null = unknown. */
  seen: boolean | null;
  /** Commissioning test under way: the forced level; null = no test. */
  test: boolean | null;
  /** Level seen before the test began (to go back to when the engine has not decided). */
  beforeTest: boolean | null;
}

/** A target nothing was sent to yet. */
export function newSlot(output: OutputName, target: Target): Slot {
  return {
    output,
    target,
    attempted: null,
    applied: null,
    lastResult: null,
    dirty: false,
    running: null,
    failures: 0,
    retry: null,
    status: null,
    verify: false,
    seen: null,
    test: null,
    beforeTest: null,
  };
}

/** The delay of the retry after `failures` failed ones: `minMs`, doubling up to `maxMs`. */
export function retryDelay(failures: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(failures, 16));
}

/** Drive a target; a throw is an error result (the driver never throws). */
export async function safeApply(target: Target, on: boolean): Promise<TargetResult> {
  try {
    return await target.apply(on);
  } catch (err) {
    return { status: 'error', message: `${target.describe()}: ${String(err)}` };
  }
}
