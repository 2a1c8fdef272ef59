/**
 * Outside writes to our targets (behaviour.md section 6, "Others may write our targets"):
 * each one is restored and recorded; when they come again and again (`count` within
 * `windowMs`) `/Alarms/InternalFailure` shows a warning, until `quietMs` passed without one.
 * OverrideCounter is the pure bookkeeping on monotonic times; OverrideWarning adds the timer
 * that re-publishes at `clearsAt`, so the warning clears by itself.
 */
import type { Clock, TimerHandle } from '../../hw/clock';

export interface OverrideRule {
  count: number;
  windowMs: number;
  quietMs: number;
}

export const OVERRIDE_RULE: OverrideRule = { count: 3, windowMs: 60_000, quietMs: 10 * 60_000 };

export class OverrideCounter {
  private recent: number[] = [];
  private warning = false;
  private last: number | null = null;

  constructor(private readonly rule: OverrideRule = OVERRIDE_RULE) {}

  record(now: number): void {
    this.clearIfQuiet(now);
    this.last = now;
    this.recent = [...this.recent.filter((t) => now - t < this.rule.windowMs), now];
    if (this.recent.length >= this.rule.count) this.warning = true;
  }

  /** 1 (warning) while it keeps happening, else 0. */
  level(now: number): 0 | 1 {
    this.clearIfQuiet(now);
    return this.warning ? 1 : 0;
  }

  /** When the warning clears if nothing else happens; null when there is none. */
  clearsAt(): number | null {
    return this.warning && this.last !== null ? this.last + this.rule.quietMs : null;
  }

  private clearIfQuiet(now: number): void {
    if (this.last !== null && now - this.last >= this.rule.quietMs) {
      this.warning = false;
      this.recent = [];
    }
  }
}

/** The counter with its timer: `onClears` runs when the quiet period after the last write ends. */
export class OverrideWarning {
  private readonly counter = new OverrideCounter();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly onClears: () => void,
  ) {}

  /** An outside write at `now`. */
  record(now: number): void {
    this.counter.record(now);
    // Re-publish when the quiet period has passed, so the warning clears by itself.
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    const at = this.counter.clearsAt();
    this.timer =
      at === null
        ? null
        : this.clock.setTimeout(() => {
            this.timer = null;
            this.onClears();
          }, at - now);
  }

  /** 1 (warning) while outside writes keep coming, else 0. */
  level(now: number): 0 | 1 {
    return this.counter.level(now);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
  }
}
