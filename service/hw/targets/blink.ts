/**
 * The pre-alarm's intermittent mode (tunable `preAlarmMode`): while the pre-alarm is on, its
 * blinkable targets go on and off every `periodMs` (0.8 s) instead of staying on. This keeps
 * the phase and its timer; the output driver (driver.ts) writes the phase at each toggle.
 */
import type { Clock, TimerHandle } from '../clock';

export class Blinker {
  private timer: TimerHandle | null = null;
  private on = true;
  /** When the next toggle is due: from the start, so that late timers do not add up. */
  private nextAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    /** Called after each toggle, with `phase` already the new level. */
    private readonly onToggle: () => void,
  ) {}

  /** Blinking now. */
  get active(): boolean {
    return this.timer !== null;
  }

  /** The level a blinkable pre-alarm target has now while blinking. */
  get phase(): boolean {
    return this.on;
  }

  /** Blink (starting with "on" when it was not blinking) or not. */
  update(blink: boolean): void {
    if (blink && this.timer === null) {
      this.on = true;
      this.nextAt = this.clock.now() + this.periodMs;
      this.arm();
    } else if (!blink) {
      this.stop();
    }
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      this.on = !this.on;
      const now = this.clock.now();
      this.nextAt += this.periodMs;
      // Overslept by more than a phase (a stalled process): start again from now.
      if (this.nextAt <= now) this.nextAt = now + this.periodMs;
      this.arm();
      this.onToggle();
    }, this.nextAt - this.clock.now());
  }
}
