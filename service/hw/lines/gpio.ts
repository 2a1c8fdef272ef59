import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { LineRole, LineStatus } from '../../src/core/types';
import type { GpioLineSource } from '../../src/config/types';
import type { Clock, TimerHandle } from '../clock';
import { Debouncer, type Observation } from './debounce';
import type { LineChangeListener, LineSource } from './types';

export type GpioReading = { level: 0 | 1 } | { problem: string };

/**
 * Read one sysfs `value` file. Synchronous on purpose: a sysfs GPIO read never waits on a
 * disk, and measured here (x86-64, Node 20, four files every 20 ms) sync reads add about
 * 0.03 ms of CPU per file and tick, async (fs.promises) about 0.2 ms: the thread-pool hop
 * costs several times the read itself.
 */
export function readGpioLevel(path: string): GpioReading {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      problem: code === 'ENOENT' ? `${path} missing` : `${path} unreadable (${code ?? err})`,
    };
  }
  const text = raw.trim();
  if (text === '0' || text === '1') return { level: text === '1' ? 1 : 0 };
  return { problem: `${path} holds ${JSON.stringify(text.slice(0, 20))}, not 0 or 1` };
}

/** `path` (absolute, or relative to gpioRoot) or `<gpioRoot>/digital_input_<N>/value`. */
export function gpioInputPath(source: GpioLineSource, gpioRoot: string): string {
  if (source.path !== undefined) {
    return isAbsolute(source.path) ? source.path : join(gpioRoot, source.path);
  }
  if (source.input === undefined) throw new Error('gpio line needs `input` or `path`');
  return join(gpioRoot, `digital_input_${source.input}`, 'value');
}

/**
 * A line read from a sysfs-like file. It has no timer of its own: a GpioPoller reads every
 * gpio line on one shared timer (one wake-up per period for all lines, not one per line).
 * A missing or unreadable file is debounced like a level change, to ride out a momentary
 * glitch (e.g. the file being re-created); it is unhealthy once it lasts debounceMs.
 */
export class GpioLine implements LineSource {
  readonly path: string;
  readonly pollMs: number;
  private readonly debouncer: Debouncer;
  private lastProblem: string | null = null;
  private lastPoll = -Infinity;

  constructor(
    readonly role: LineRole,
    source: GpioLineSource,
    private readonly assertedLevel: 0 | 1,
    debounceMs: number,
    gpioRoot: string,
    clock: Clock,
    private readonly poller: GpioPoller,
    onChange: LineChangeListener,
  ) {
    this.path = gpioInputPath(source, gpioRoot);
    this.pollMs = source.pollMs;
    this.debouncer = new Debouncer(
      clock,
      debounceMs,
      (s) => poller.deliver(() => onChange(role, s)),
      false,
      Math.min(source.pollMs / 2, debounceMs / 2),
    );
  }

  status(): LineStatus {
    return this.debouncer.status;
  }

  problem(): string | null {
    return this.lastProblem;
  }

  describe(): string {
    return `gpio ${this.path} (asserted = ${this.assertedLevel}, every ${this.pollMs} ms)`;
  }

  start(): void {
    this.poller.add(this);
  }

  stop(): void {
    this.poller.remove(this);
    this.debouncer.reset();
    this.lastPoll = -Infinity;
  }

  /** Called by the poller; reads the file when this line's own interval has come. */
  poll(now: number, tickMs: number): void {
    // Half a tick of tolerance: a line polled every 200 ms on a 100 ms tick is read on
    // every second tick even when a tick fires a little early.
    if (now - this.lastPoll < this.pollMs - tickMs / 2) return;
    this.lastPoll = now;
    const reading = readGpioLevel(this.path);
    let seen: Observation;
    if ('problem' in reading) {
      this.lastProblem = reading.problem;
      seen = 'unhealthy';
    } else {
      this.lastProblem = null;
      seen = reading.level === this.assertedLevel ? 'asserted' : 'released';
    }
    this.debouncer.observe(seen);
  }
}

/**
 * One timer for all gpio lines. It ticks at the shortest configured pollMs; the timer is
 * re-armed from the ideal schedule so ticks do not drift, and only exists while at least
 * one line is registered.
 */
export class GpioPoller {
  private readonly lines = new Set<GpioLine>();
  private timer: TimerHandle | null = null;
  private tickMs = 0;
  private nextAt = 0;
  /** Changes accepted during a tick, told once every line has been read. */
  private pending: (() => void)[] | null = null;

  constructor(private readonly clock: Clock) {}

  /**
   * A line's accepted change. During a tick it is told after every line has been read: the
   * engine then sees the tick's lines together (two contacts that changed together are not
   * one changed and one not yet read, a state that never existed).
   */
  deliver(tell: () => void): void {
    if (this.pending === null) tell();
    else this.pending.push(tell);
  }

  add(line: GpioLine): void {
    this.lines.add(line);
    this.reschedule();
    line.poll(this.clock.now(), this.tickMs); // first reading at once: start-up is level-based
  }

  remove(line: GpioLine): void {
    this.lines.delete(line);
    this.reschedule();
  }

  private reschedule(): void {
    if (this.lines.size === 0) {
      this.stopTimer();
      return;
    }
    const tick = Math.min(...[...this.lines].map((l) => l.pollMs));
    if (this.timer !== null && tick === this.tickMs) return;
    this.stopTimer();
    this.tickMs = Math.max(1, tick);
    this.nextAt = this.clock.now() + this.tickMs;
    this.arm();
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => this.tick(), this.nextAt - this.clock.now());
  }

  private tick(): void {
    this.timer = null;
    const now = this.clock.now();
    const told: (() => void)[] = [];
    this.pending = told;
    try {
      for (const line of this.lines) line.poll(now, this.tickMs);
    } finally {
      this.pending = null;
    }
    for (const tell of told) tell();
    if (this.lines.size === 0) return;
    this.nextAt += this.tickMs;
    if (this.nextAt <= now) this.nextAt = now + this.tickMs; // overslept: do not fire a burst
    this.arm();
  }

  private stopTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
