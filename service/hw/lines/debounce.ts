import type { LineStatus } from '../../src/core/types';
import type { Clock, TimerHandle } from '../clock';

/** What a source saw at one moment, before debounce. */
export type Observation = 'asserted' | 'released' | 'unhealthy';

/**
 * Level debounce shared by every line source.
 *
 * - Start-up is level-based: the first *valid* reading (asserted/released) is accepted at
 *   once, so the engine leaves STARTING without waiting a debounce period.
 * - After that, a different observation (unhealthy included) must persist for `debounceMs`
 *   before it is accepted; a glitch shorter than that is ignored. Unhealthy is debounced too
 *   (also from `unknown`), so a momentary read failure or a service restarting does not
 *   throw the engine into FAULT; a wire that stays broken still does, debounceMs later.
 * - debounceMs = 0 accepts every observation at once.
 *
 * Polled sources call observe() on every poll, which both starts and completes the wait
 * (acceptance lands on the first poll at or after the debounce time, no extra timers).
 * Event sources (D-Bus) pass `useTimer`, so acceptance does not wait for another event.
 */
export class Debouncer {
  private current: LineStatus = 'unknown';
  private candidate: Observation | null = null;
  private candidateSince = 0;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly debounceMs: number,
    private readonly onAccept: (status: LineStatus) => void,
    private readonly useTimer = false,
    /**
     * Polled sources: timer jitter makes two ticks N periods apart read slightly less than
     * N periods, which would push acceptance one whole poll later about half of the time.
     * Accept up to `slackMs` early (half a poll period), so acceptance lands on the poll
     * that is nominally debounceMs after the first one.
     */
    private readonly slackMs = 0,
  ) {}

  get status(): LineStatus {
    return this.current;
  }

  observe(seen: Observation): void {
    if (seen === this.current) {
      this.dropCandidate();
      return;
    }
    const firstValid = this.current === 'unknown' && seen !== 'unhealthy';
    if (firstValid || this.debounceMs <= 0) {
      this.accept(seen);
      return;
    }
    const now = this.clock.now();
    if (seen !== this.candidate) {
      this.dropCandidate();
      this.candidate = seen;
      this.candidateSince = now;
      if (this.useTimer) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = null;
          if (this.candidate === seen) this.accept(seen);
        }, this.debounceMs);
      }
      return;
    }
    if (!this.useTimer && now - this.candidateSince >= this.debounceMs - this.slackMs) {
      this.accept(seen);
    }
  }

  /** Forget everything (source stopped). */
  reset(): void {
    this.dropCandidate();
    this.current = 'unknown';
  }

  private accept(seen: Observation): void {
    this.dropCandidate();
    if (seen === this.current) return;
    this.current = seen;
    this.onAccept(seen);
  }

  private dropCandidate(): void {
    this.candidate = null;
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
