import type { LineRole, LineStatus } from '../../src/core/types';
import type { DbusLineSource, DigitalInputLineSource } from '../../src/config/types';
import type { RemoteValues, ValueUpdate, VeValue } from '../../src/venus/api';
import type { Clock, TimerHandle } from '../clock';
import { Debouncer, type Observation } from './debounce';
import type { LineChangeListener, LineSource } from './types';

type Judge = (value: VeValue | undefined) => { seen: Observation; problem: string | null };

/**
 * A line that follows one D-Bus path of another service. Event-driven (no polling): the
 * debounce uses a timer. With staleTimeoutS > 0, a path that has not changed for that long
 * is re-read with GetValue: Victron services only signal on change, so silence alone does
 * not mean stale; a confirmed value counts as fresh, a failed read makes the line unhealthy.
 */
class WatchedLine implements LineSource {
  private readonly debouncer: Debouncer;
  private unwatch: (() => void) | null = null;
  private staleTimer: TimerHandle | null = null;
  private lastProblem: string | null = null;
  private running = false;

  constructor(
    readonly role: LineRole,
    private readonly service: string,
    private readonly path: string,
    private readonly staleMs: number,
    private readonly judge: Judge,
    private readonly label: string,
    debounceMs: number,
    private readonly clock: Clock,
    private readonly remote: RemoteValues,
    onChange: LineChangeListener,
  ) {
    this.debouncer = new Debouncer(clock, debounceMs, (s) => onChange(role, s), true);
  }

  status(): LineStatus {
    return this.debouncer.status;
  }

  problem(): string | null {
    return this.lastProblem;
  }

  describe(): string {
    return this.label;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unwatch = this.remote.watch(this.service, this.path, (u) => this.onUpdate(u));
    this.armStale();
  }

  stop(): void {
    this.running = false;
    this.unwatch?.();
    this.unwatch = null;
    this.disarmStale();
    this.debouncer.reset();
  }

  private onUpdate(update: ValueUpdate): void {
    if (!this.running) return;
    if (!update.present) {
      this.record('unhealthy', `${this.service} is not on D-Bus`);
    } else {
      const { seen, problem } = this.judge(update.value);
      this.record(seen, problem);
    }
    this.armStale();
  }

  private record(seen: Observation, problem: string | null): void {
    this.lastProblem = problem;
    this.debouncer.observe(seen);
  }

  private armStale(): void {
    this.disarmStale();
    if (this.staleMs > 0 && this.running) {
      this.staleTimer = this.clock.setTimeout(() => void this.recheck(), this.staleMs);
    }
  }

  private disarmStale(): void {
    if (this.staleTimer !== null) this.clock.clearTimeout(this.staleTimer);
    this.staleTimer = null;
  }

  private async recheck(): Promise<void> {
    this.staleTimer = null;
    const value = await this.remote.getValue(this.service, this.path);
    if (!this.running || this.staleTimer !== null) return; // an update came in meanwhile
    if (value === undefined) {
      this.record(
        'unhealthy',
        `${this.service} ${this.path}: no value after ${this.staleMs / 1000} s`,
      );
    } else {
      const { seen, problem } = this.judge(value);
      this.record(seen, problem);
    }
    this.armStale();
  }
}

function levelJudge(assertedLevel: 0 | 1, where: string): Judge {
  return (value) => {
    if (value === 0 || value === 1) {
      return { seen: value === assertedLevel ? 'asserted' : 'released', problem: null };
    }
    return { seen: 'unhealthy', problem: `${where} is ${describeValue(value)}, not 0 or 1` };
  };
}

const COMPARE: Record<DbusLineSource['op'], (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

function describeValue(value: VeValue | undefined): string {
  return value === undefined ? 'invalid' : JSON.stringify(value).slice(0, 40);
}

/** Service of a Venus digital input (dbus-digitalinputs, input types 2–10). */
export function digitalInputService(input: number): string {
  return `com.victronenergy.digitalinput.input_${input}`;
}

/** `com.victronenergy.digitalinput.input_<N> /InputState` (raw 0/1). Never stale by time. */
export class DigitalInputLine extends WatchedLine {
  constructor(
    role: LineRole,
    source: DigitalInputLineSource,
    assertedLevel: 0 | 1,
    debounceMs: number,
    clock: Clock,
    remote: RemoteValues,
    onChange: LineChangeListener,
  ) {
    const service = digitalInputService(source.input);
    const where = `${service} /InputState`;
    super(
      role,
      service,
      '/InputState',
      0,
      levelJudge(assertedLevel, where),
      `digital input ${source.input}: ${where} (asserted = ${assertedLevel})`,
      debounceMs,
      clock,
      remote,
      onChange,
    );
  }
}

/** Any numeric D-Bus path, asserted ⇔ value <op> compareValue. */
export class DbusLine extends WatchedLine {
  constructor(
    role: LineRole,
    source: DbusLineSource,
    debounceMs: number,
    clock: Clock,
    remote: RemoteValues,
    onChange: LineChangeListener,
  ) {
    const where = `${source.service} ${source.path}`;
    const compare = COMPARE[source.op];
    const judge: Judge = (value) => {
      if (typeof value === 'number' && Number.isFinite(value)) {
        return { seen: compare(value, source.value) ? 'asserted' : 'released', problem: null };
      }
      return { seen: 'unhealthy', problem: `${where} is ${describeValue(value)}, not a number` };
    };
    super(
      role,
      source.service,
      source.path,
      source.staleTimeoutS * 1000,
      judge,
      `D-Bus ${where} ${source.op} ${source.value}`,
      debounceMs,
      clock,
      remote,
      onChange,
    );
  }
}
