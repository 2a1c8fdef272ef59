/**
 * What the output driver (driver.ts) tells the service about its targets: a report of every
 * completed write (for the log) and an event when something about a target changed (for the
 * history, behaviour.md section 6): its status (refused, unreachable, back), a warning, or
 * an outside write that was restored. The events' words are made here.
 */
import type { OutputName } from '../../src/core/types';
import type { TargetResult } from './types';

export interface DriveReport {
  output: OutputName;
  target: string;
  on: boolean;
  result: TargetResult;
}

export interface TargetEvent {
  output: OutputName;
  target: string;
  /**
   * `overridden`: someone else wrote it (from = the foreign raw value, to = our level);
   * `refused` / `error` / `ok`: the target's status changed (from → to);
   * `warning`: a warning about the target began (to = true) or ended (to = false).
   */
  what: 'overridden' | 'status' | 'warning';
  from: string | boolean | null;
  to: string | boolean | null;
  reason: string;
}

/** A warning about the target began (`now` set) or ended (`now` null). */
export function warningEvent(
  output: OutputName,
  target: string,
  before: string | null,
  now: string | null,
): TargetEvent {
  return {
    output,
    target,
    what: 'warning',
    from: before !== null,
    to: now !== null,
    reason: now ?? `no longer: ${before ?? ''}`,
  };
}

/** Someone else set the target to `raw` while we drive it to `wanted`; it is restored. */
export function overriddenEvent(
  output: OutputName,
  target: string,
  raw: string,
  wanted: boolean,
): TargetEvent {
  return {
    output,
    target,
    what: 'overridden',
    from: raw,
    to: wanted,
    reason: `set to ${raw} by someone else while ${output} is ${wanted ? 'on' : 'off'}: restored`,
  };
}

/** The status of a drive changed (`before` → `result.status`) while driving `level`. */
export function statusEvent(
  output: OutputName,
  target: string,
  before: TargetResult['status'] | null,
  level: boolean,
  result: TargetResult,
): TargetEvent {
  const driven = `driven ${level ? 'on' : 'off'}`;
  let reason: string;
  if (result.status === 'refused') reason = `${result.message} (taken away from this service)`;
  else if (result.status === 'error') reason = `unreachable: ${result.message}`;
  else if (before === 'refused') reason = `given back (function manual): ${driven}`;
  else reason = `reachable again: ${driven}`;
  return { output, target, what: 'status', from: before, to: result.status, reason };
}
