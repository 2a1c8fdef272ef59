import type { LineRole, LineStatus } from '../../src/core/types';

export type LineChangeListener = (role: LineRole, status: LineStatus) => void;

/** One wired line: reads its source, debounces, reports status changes. */
export interface LineSource {
  readonly role: LineRole;
  /** Debounced status. */
  status(): LineStatus;
  /** Why the line is (or is about to be) unhealthy, for the status notes; null when fine. */
  problem(): string | null;
  /** Where the line comes from, e.g. "gpio /dev/gpio/digital_input_1/value (asserted = 0)". */
  describe(): string;
  start(): void;
  stop(): void;
}
