/**
 * Fake time for the engine: the harness owns `now`, steps the engine on every input change,
 * and, when time advances, at every nextDeadline on the way, exactly as the shell's single
 * timer would.
 */
import { initialMemory, step } from '../../service/src/core/engine';
import { DEFAULT_PARAMS } from '../../service/src/core/params';
import type {
  EngineEvent,
  EngineInput,
  EngineMemory,
  EngineParams,
  LineSnapshot,
  PersistedMemory,
  StepResult,
} from '../../service/src/core/types';

export const T0 = 1_000_000;

export const DEFAULT_LINES: LineSnapshot = {
  dischargeAllowed: 'asserted',
  chargeAllowed: 'asserted',
  preAlarm: 'released',
};

export function defaultInput(): EngineInput {
  return {
    lines: { ...DEFAULT_LINES },
    soc: 80,
    voltage: 13.0,
    current: -2,
    softwareRemoteOn: true,
  };
}

/** An input change; a line set to undefined is unwired. */
export type InputChange = Partial<Omit<EngineInput, 'lines'>> & {
  lines?: { [K in keyof LineSnapshot]: LineSnapshot[K] | undefined };
};

export interface HarnessOptions {
  params?: Partial<EngineParams>;
  input?: InputChange;
  restored?: PersistedMemory;
  start?: number;
}

export class Harness {
  now: number;
  memory: EngineMemory;
  params: EngineParams;
  input: EngineInput;
  last: StepResult;
  /** Every event so far, in order. */
  events: EngineEvent[] = [];
  /** Every step result so far, with its time. */
  history: { now: number; result: StepResult }[] = [];

  constructor(opts: HarnessOptions = {}) {
    this.now = opts.start ?? T0;
    this.params = { ...DEFAULT_PARAMS, ...opts.params };
    this.memory = initialMemory(opts.restored);
    this.input = applyChange(defaultInput(), opts.input ?? {});
    this.last = this.step();
  }

  step(): StepResult {
    const before = JSON.stringify(this.memory);
    const result = step(this.memory, this.input, this.now, this.params);
    if (JSON.stringify(this.memory) !== before) throw new Error('step mutated its memory');
    this.memory = result.memory;
    this.last = result;
    this.events.push(...result.events);
    this.history.push({ now: this.now, result });
    return result;
  }

  set(change: InputChange): StepResult {
    this.input = applyChange(this.input, change);
    return this.step();
  }

  setParams(change: Partial<EngineParams>): StepResult {
    this.params = { ...this.params, ...change };
    return this.step();
  }

  /** Advance by ms, stepping at every deadline on the way and at the end. */
  advance(ms: number): StepResult {
    const target = this.now + ms;
    let deadline = this.last.nextDeadline;
    while (deadline !== null && deadline <= target) {
      if (deadline <= this.now) throw new Error(`deadline ${deadline} not in the future`);
      this.now = deadline;
      deadline = this.step().nextDeadline;
    }
    this.now = target;
    return this.step();
  }

  advanceS(s: number): StepResult {
    return this.advance(s * 1000);
  }

  get state(): StepResult['state'] {
    return this.last.state;
  }

  get outputs(): StepResult['outputs'] {
    return this.last.outputs;
  }

  get alarms(): StepResult['alarms'] {
    return this.last.alarms;
  }

  /** The first time at which an output took a value, after `since`. */
  whenOutput(name: 'load' | 'charge' | 'preAlarm', to: boolean, since = 0): number | null {
    const e = this.events.find(
      (ev) => ev.kind === 'output' && ev.name === name && ev.to === to && ev.t >= since,
    );
    return e ? e.t : null;
  }

  eventsOf(kind: EngineEvent['kind'], name: string): EngineEvent[] {
    return this.events.filter((e) => e.kind === kind && e.name === name);
  }
}

export function applyChange(input: EngineInput, change: InputChange): EngineInput {
  const lines: LineSnapshot = { ...input.lines };
  for (const [role, status] of Object.entries(change.lines ?? {}) as [
    keyof LineSnapshot,
    LineSnapshot[keyof LineSnapshot],
  ][]) {
    if (status === undefined) delete lines[role];
    else lines[role] = status;
  }
  return { ...input, ...change, lines };
}
