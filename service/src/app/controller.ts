/**
 * The shell around the pure engine: gathers the input snapshot, calls `step` on every input
 * change and at the engine's next deadline (one timer, never a tick), and hands the result
 * to whoever applies it (targets, D-Bus, MQTT, history). Nothing happens when nothing
 * changes.
 */
import { initialMemory, persistedPart, step } from '../core/engine';
import type {
  EngineInput,
  EngineMemory,
  EngineParams,
  PersistedMemory,
  StepResult,
} from '../core/types';

/** The monotonic clock and its one timer (service/hw/clock.ts provides the real one). */
export interface ControllerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ControllerDeps {
  clock: ControllerClock;
  /** The current input snapshot (lines after debounce, measurements after staleness). */
  readInput: () => EngineInput;
  /** The current tunables (they may change live). */
  readParams: () => EngineParams;
  /** Called after every step; `changed` is false when nothing visible changed. */
  onResult: (result: StepResult, changed: boolean) => void;
  /** Called when the part of memory that must survive a restart changed. */
  onPersist: (persisted: PersistedMemory) => void;
  restored?: PersistedMemory;
}

const COUNTDOWN_REFRESH_MS = 1000;

export class Controller {
  private memory: EngineMemory;
  private last: StepResult | null = null;
  private timer: unknown = null;
  private timerAt: number | null = null;
  private stopped = false;
  private persisted: string;

  constructor(private readonly deps: ControllerDeps) {
    this.memory = initialMemory(deps.restored);
    this.persisted = JSON.stringify(persistedPart(this.memory));
  }

  get result(): StepResult | null {
    return this.last;
  }

  /** Run the engine now. Call on every input or parameter change. */
  evaluate(): StepResult {
    const { clock } = this.deps;
    const now = clock.now();
    const result = step(this.memory, this.deps.readInput(), now, this.deps.readParams());
    this.memory = result.memory;
    const changed = this.last === null || visibleChange(this.last, result);
    this.last = result;

    const persisted = JSON.stringify(persistedPart(result.memory));
    if (persisted !== this.persisted) {
      this.persisted = persisted;
      this.deps.onPersist(persistedPart(result.memory));
    }
    this.deps.onResult(result, changed);
    this.schedule(nextWake(result, now), now);
    return result;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = null;
  }

  private schedule(deadline: number | null, now: number): void {
    if (this.stopped) return;
    if (deadline === this.timerAt && this.timer !== null) return;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = deadline;
    if (deadline === null) return;
    // A timer may fire a hair early on some platforms: the engine then reports the same
    // deadline again and we simply wait the remainder.
    const delay = Math.max(0, deadline - now);
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      if (!this.stopped) this.evaluate();
    }, delay);
  }
}

/**
 * When to run the engine again: its own deadline, or in a second while a countdown runs so
 * the published countdowns stay live (extra steps change nothing in the engine).
 */
function nextWake(result: StepResult, now: number): number | null {
  const { loadDisconnectS, lowSocShutdownS } = result.countdowns;
  const counting = loadDisconnectS !== null || lowSocShutdownS !== null;
  const tick = counting ? now + COUNTDOWN_REFRESH_MS : null;
  if (result.nextDeadline === null) return tick;
  return tick === null ? result.nextDeadline : Math.min(tick, result.nextDeadline);
}

/** Whether a step changed anything a consumer would see (countdowns count: they tick). */
function visibleChange(a: StepResult, b: StepResult): boolean {
  if (b.events.length > 0) return true;
  return (
    a.state !== b.state ||
    a.chargeDetected !== b.chargeDetected ||
    JSON.stringify(a.outputs) !== JSON.stringify(b.outputs) ||
    JSON.stringify(a.alarms) !== JSON.stringify(b.alarms) ||
    JSON.stringify(a.countdowns) !== JSON.stringify(b.countdowns) ||
    a.notes.join('\n') !== b.notes.join('\n')
  );
}
