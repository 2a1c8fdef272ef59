/**
 * Commissioning (D-Bus /Bms/TestOutput, `smallbms test-output`): drive every target of one
 * output once, outside the engine. Only in dry run, where the engine does not own the
 * outputs; otherwise refused, so a test cannot fight the protection.
 */
import type { OutputName } from '../../src/core/types';
import { safeApply, type Slot } from './slot';
import type { DriveReport } from './target-events';
import type { TargetResult } from './types';

/** `slots`: the targets of `output`. Each driven one is reported to `onReport`. */
export async function testOutput(
  slots: Slot[],
  output: OutputName,
  on: boolean,
  dryRun: boolean,
  onReport: ((report: DriveReport) => void) | undefined,
): Promise<DriveReport[]> {
  if (!dryRun) {
    const result: TargetResult = {
      status: 'refused',
      message: 'test-output only in dry run (commissioning mode): the engine owns the outputs',
    };
    return slots.map((s) => ({ output, target: s.target.describe(), on, result }));
  }
  return Promise.all(
    slots.map(async (s) => {
      const result = await safeApply(s.target, on);
      s.attempted = on;
      s.lastResult = result;
      if (result.status === 'ok') s.applied = on;
      const report = { output, target: s.target.describe(), on, result };
      onReport?.(report);
      return report;
    }),
  );
}
