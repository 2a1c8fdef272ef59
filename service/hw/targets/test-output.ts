/**
 * Commissioning (D-Bus /Bms/TestOutput, `smallbms test-output`): force every target of one
 * output on or off, outside the engine, and end the test (hand the output back). Only in dry
 * run, where the engine does not drive the targets; otherwise refused, so a test cannot
 * fight the protection.
 *
 * Ending a test (the console's Stop, `test-output <output> stop`) drives the output's
 * targets back to the level the engine wants now; before the engine's first decision, to the
 * level each target had before the test. Ending dry run ends every test (driver.ts drives
 * every target to the engine's levels).
 */
import type { OutputName } from '../../src/core/types';
import { safeApply, type Slot } from './slot';
import type { DriveReport } from './target-events';
import type { TargetResult } from './types';

/** A forced level, or null: end the test (back to the engine's level). */
export type TestLevel = boolean | null;

/** Why a test is refused outside dry run (the console shows it; the CLI prints it). */
export const TEST_NEEDS_DRY_RUN = 'only in dry run: turn on dry run first';

/** `slots`: the targets of `output`; `engineLevel`: what the engine wants now (null: undecided). */
export async function testOutput(
  slots: Slot[],
  output: OutputName,
  level: TestLevel,
  dryRun: boolean,
  engineLevel: boolean | null,
  onReport: ((report: DriveReport) => void) | undefined,
): Promise<DriveReport[]> {
  if (!dryRun) {
    const result: TargetResult = { status: 'refused', message: TEST_NEEDS_DRY_RUN };
    return slots.map((s) => ({ output, target: s.target.describe(), on: level ?? false, result }));
  }
  return Promise.all(
    slots.map(async (s) => {
      if (level !== null && s.test === null) s.beforeTest = s.seen ?? s.applied;
      const on = level ?? engineLevel ?? s.beforeTest;
      s.test = level;
      if (level === null) s.beforeTest = null;
      if (on === null) {
        // Nothing known to go back to (no decision yet, target unreadable): left as it is.
        const result: TargetResult = { status: 'ok', message: 'left as it is (level unknown)' };
        return { output, target: s.target.describe(), on: false, result };
      }
      const result = await safeApply(s.target, on);
      s.attempted = on;
      s.lastResult = result;
      if (result.status === 'ok') {
        s.applied = on;
        s.seen = on;
      }
      const report = { output, target: s.target.describe(), on, result };
      onReport?.(report);
      return report;
    }),
  );
}
