/**
 * Monotonic time for the shell. Everything in hw/ (debounce, polling, stale timeouts, blink,
 * retries) takes a Clock instead of touching Date/setTimeout, so that:
 * - a wall-clock jump (NTP, GPS, user) never shortens or lengthens a countdown (rule 12);
 * - the demo can run the real service in accelerated time (`scale` > 1);
 * - tests can drive time by hand (ManualClock).
 */

/** Opaque timer handle; only the clock that made it can clear it. */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Monotonic whole milliseconds (simulation milliseconds when scaled). */
  now(): number;
  /** Run `fn` once after `ms` clock milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Simulation speed factor: 1 on a real device. */
  readonly scale: number;
}

export interface RealClockOptions {
  /** Simulation speed: clock ms per real ms. Default 1. */
  scale?: number;
  /** Clock reading at creation. Default: real monotonic time (performance.now()). */
  start?: number;
}

/**
 * The production clock (scale 1) and the accelerated simulation clock (scale > 1):
 * now = start + realElapsed × scale, in whole milliseconds (rounded down); a timer of `ms`
 * fires after ms / scale real ms. Based on performance.now(), which is monotonic and
 * unaffected by wall-clock changes. Whole milliseconds keep every difference of two
 * readings exact: with fractions, (t + 30000) - t may read 30000.0000000002, and a debounce
 * or a stale timeout compared with it may fall on the wrong side.
 */
export function createClock(options: RealClockOptions = {}): Clock {
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new Error(`clock scale must be a positive number, got ${scale}`);
  }
  const realStart = performance.now();
  const start = options.start ?? realStart;
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  return {
    scale,
    now: () => Math.floor(start + (performance.now() - realStart) * scale),
    setTimeout(fn, ms) {
      const id = nextId++;
      const t = setTimeout(
        () => {
          timers.delete(id);
          fn();
        },
        Math.max(0, ms) / scale,
      );
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t !== undefined) {
        clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
}

interface ManualTimer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire in due order, each with now() equal to
 * its due time, like a real clock would have shown.
 */
export class ManualClock implements Clock {
  readonly scale = 1;
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.current + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Number of pending timers (tests check that hw/ does not multiply timers). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, firing due timers synchronously. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let t = this.nextDue(target); t !== undefined; t = this.nextDue(target)) {
      this.timers.delete(t.id);
      this.current = Math.max(this.current, t.due);
      t.fn();
    }
    this.current = target;
  }

  /**
   * Like advance, but lets pending promises settle after every timer, for code that awaits
   * (D-Bus calls, target writes) between timers.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (let t = this.nextDue(target); t !== undefined; t = this.nextDue(target)) {
      this.timers.delete(t.id);
      this.current = Math.max(this.current, t.due);
      t.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  private nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.due <= limit && (best === undefined || t.due < best.due)) best = t;
    }
    return best;
  }
}

/** Let every already-queued promise continuation run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
