/**
 * Random input histories for the property tests, and a runner that replays one the way the
 * shell would: a step at every input change and at every nextDeadline, optionally with
 * extra steps at arbitrary times in between.
 */
import fc from 'fast-check';
import { initialMemory, step } from '../../service/src/core/engine';
import { TUNABLE_RANGES } from '../../service/src/core/params';
import {
  LINE_ROLES,
  type EngineInput,
  type EngineMemory,
  type EngineParams,
  type LineRole,
  type LineSnapshot,
  type LineStatus,
  type StepResult,
} from '../../service/src/core/types';
import { T0 } from './harness';

export interface HistoryStep {
  /** Time since the previous input change, ms. */
  dt: number;
  lines: Partial<Record<LineRole, LineStatus>>;
  soc?: number | null;
  voltage?: number | null;
  current?: number | null;
  softwareRemoteOn?: boolean;
  /** Extra step times for the dense replay, as fractions of dt. */
  extra: number[];
  /**
   * For the split replay: the step's lines reach the engine one at a time (the way a shell
   * that steps on each line sees one poll's lines, and the way two contacts switched together
   * are seen one poll apart), in reverse order or not, `spread` (a fraction of the settle
   * time) apart.
   */
  split: { reverse: boolean; spread: number };
}

export interface History {
  params: EngineParams;
  initial: EngineInput;
  steps: HistoryStep[];
}

/**
 * Mostly the line's quiet level, sometimes the other one, rarely unhealthy or unknown. A
 * "calm" history (half of them) has no broken lines and no remote off, so that it spends its
 * time in the running states where the timed rules live.
 */
function statusArb(role: LineRole, calm: boolean): fc.Arbitrary<LineStatus> {
  const quiet: LineStatus = QUIET_ASSERTED.includes(role) ? 'asserted' : 'released';
  const loud: LineStatus = quiet === 'asserted' ? 'released' : 'asserted';
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(quiet) },
    { weight: 5, arbitrary: fc.constant(loud) },
    { weight: calm ? 0 : 1, arbitrary: fc.constant<LineStatus>('unhealthy') },
    { weight: calm ? 0 : 1, arbitrary: fc.constant<LineStatus>('unknown') },
  );
}
const QUIET_ASSERTED: readonly LineRole[] = ['dischargeAllowed', 'chargeAllowed', 'remote'];
function remoteOnArb(calm: boolean): fc.Arbitrary<boolean> {
  return fc.oneof(
    { weight: calm ? 30 : 8, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  );
}

// SoC mostly near the floor (where the logic is), sometimes anywhere, sometimes missing.
const socArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 400 }).map((x) => x / 10) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 100 }) },
);
const voltageArb = fc.option(
  fc.integer({ min: 110, max: 150 }).map((x) => x / 10),
  { freq: 6 },
);
const currentArb = fc.option(
  fc.integer({ min: -200, max: 200 }).map((x) => x / 10),
  { freq: 6 },
);
// Gaps from sub-second (debounce-like) to many minutes (across every countdown).
const gapArb = fc.oneof(
  fc.integer({ min: 0, max: 2_000 }),
  fc.integer({ min: 0, max: 45_000 }),
  fc.integer({ min: 0, max: 900_000 }),
);

function rangeArb(name: keyof typeof TUNABLE_RANGES): fc.Arbitrary<number> {
  const { min, max } = TUNABLE_RANGES[name];
  return fc.integer({ min: Math.ceil(min * 10), max: Math.floor(max * 10) }).map((x) => x / 10);
}

export const paramsArb: fc.Arbitrary<EngineParams> = fc.record({
  preAlarmLeadS: fc.integer({ min: 30, max: 600 }),
  dischargeFloorPct: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
  lowSocMarginPct: fc.integer({ min: 1, max: 20 }),
  lowSocShutdownDelayS: fc.integer({ min: 30, max: 900 }),
  socHysteresisPct: fc.integer({ min: 1, max: 20 }),
  chargeDetectVoltage: rangeArb('chargeDetectVoltagePer12V'),
  chargeDetectCurrentA: rangeArb('chargeDetectCurrentA'),
  chargeDetectHoldS: fc.integer({ min: 0, max: 120 }),
  minOffTimeS: fc.integer({ min: 0, max: 120 }),
  preAlarmAfterDisconnect: fc.boolean(),
  startupHoldS: fc.constantFrom(0, 3),
  settleS: fc.constantFrom(0.5, 1),
});

function linesRecord(roles: LineRole[], calm: boolean): Record<string, fc.Arbitrary<LineStatus>> {
  return Object.fromEntries(roles.map((r) => [r, statusArb(r, calm)]));
}

function stepArb(wired: LineRole[], calm: boolean): fc.Arbitrary<HistoryStep> {
  return fc.record(
    {
      dt: gapArb,
      lines: fc
        .subarray(wired, { maxLength: Math.min(2, wired.length) })
        .chain((roles) => fc.record(linesRecord(roles, calm))),
      soc: socArb,
      voltage: voltageArb,
      current: currentArb,
      softwareRemoteOn: remoteOnArb(calm),
      extra: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
      split: fc.record({
        reverse: fc.boolean(),
        spread: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.99, noNaN: true })),
      }),
    },
    { requiredKeys: ['dt', 'lines', 'extra', 'split'] },
  );
}

export const historyArb: fc.Arbitrary<History> = fc
  .tuple(fc.boolean(), fc.subarray([...LINE_ROLES], { minLength: 1 }))
  .map(([calm, w]): [boolean, LineRole[]] => [calm, calm ? w.filter((r) => r !== 'remote') : w])
  .filter(([, w]) => w.includes('dischargeAllowed') || w.includes('chargeAllowed'))
  .chain(([calm, wired]) =>
    fc.record({
      params: paramsArb,
      initial: fc.record({
        lines: fc.record(linesRecord(wired, calm)) as fc.Arbitrary<LineSnapshot>,
        soc: socArb,
        voltage: voltageArb,
        current: currentArb,
        softwareRemoteOn: remoteOnArb(calm),
      }),
      steps: fc.array(stepArb(wired, calm), { maxLength: 40 }),
    }),
  );

export interface TraceEntry {
  now: number;
  prev: EngineMemory;
  input: EngineInput;
  result: StepResult;
  /** Stepped because an input changed (as opposed to a deadline or an extra call). */
  atInput: boolean;
}

export function applyStep(input: EngineInput, s: HistoryStep): EngineInput {
  const next: EngineInput = { ...input, lines: { ...input.lines, ...s.lines } };
  if (s.soc !== undefined) next.soc = s.soc;
  if (s.voltage !== undefined) next.voltage = s.voltage;
  if (s.current !== undefined) next.current = s.current;
  if (s.softwareRemoteOn !== undefined) next.softwareRemoteOn = s.softwareRemoteOn;
  return next;
}

export interface ReplayOptions {
  /** Also step at each step's `extra` times. */
  dense?: boolean;
  /** Rewrite every input (e.g. to remove discharge-side events). */
  transform?: (i: EngineInput) => EngineInput;
}

export function replay(h: History, opts: ReplayOptions = {}): TraceEntry[] {
  const transform = opts.transform ?? ((i: EngineInput) => i);
  const trace: TraceEntry[] = [];
  let memory = initialMemory();
  let now = T0;
  let raw = h.initial;
  let input = transform(raw);
  let deadline: number | null = null;
  const doStep = (atInput: boolean): void => {
    const result = step(memory, input, now, h.params);
    if (result.nextDeadline !== null && result.nextDeadline <= now) {
      throw new Error(`deadline ${result.nextDeadline} not after now ${now}`);
    }
    trace.push({ now, prev: memory, input, result, atInput });
    memory = result.memory;
    deadline = result.nextDeadline;
  };
  doStep(true);
  for (const s of h.steps) {
    const start = now;
    const target = now + s.dt;
    const extras = opts.dense
      ? s.extra.map((f) => start + Math.floor(f * s.dt)).sort((a, b) => a - b)
      : [];
    for (;;) {
      const d: number = deadline !== null && deadline <= target ? deadline : Infinity;
      const x = extras.length > 0 ? extras[0] : Infinity;
      const t = Math.min(d, x);
      if (t === Infinity) break;
      if (x <= t) extras.shift();
      now = Math.max(now, t);
      doStep(false);
    }
    now = target;
    raw = applyStep(raw, s);
    input = transform(raw);
    doStep(true);
  }
  return trace;
}

export interface SplitTraceEntry extends TraceEntry {
  /** The history step this arrival belongs to (-1: the start), and its place in it. */
  change: number;
  first: boolean;
  /** The lines that arrived at this step. */
  arrived: LineRole[];
}

/**
 * Replay a history with each step's line changes arriving one at a time (see
 * HistoryStep.split), all less than the settle time apart; SoC, voltage, current and the
 * software remote arrive with the first. A step at every arrival and every nextDeadline.
 */
export function replaySplit(h: History): SplitTraceEntry[] {
  const settleMs = Math.round(h.params.settleS * 1000);
  const trace: SplitTraceEntry[] = [];
  let memory = initialMemory();
  let now = T0;
  let input = h.initial;
  let deadline: number | null = null;
  const doStep = (change: number, first: boolean, arrived: LineRole[]): void => {
    const result = step(memory, input, now, h.params);
    if (result.nextDeadline !== null && result.nextDeadline <= now) {
      throw new Error(`deadline ${result.nextDeadline} not after now ${now}`);
    }
    trace.push({
      now,
      prev: memory,
      input,
      result,
      atInput: arrived.length > 0 || first,
      change,
      first,
      arrived,
    });
    memory = result.memory;
    deadline = result.nextDeadline;
  };
  const runTo = (target: number, change: number): void => {
    while (deadline !== null && deadline <= target) {
      now = Math.max(now, deadline);
      doStep(change, false, []);
    }
    now = target;
  };
  doStep(-1, true, []);
  h.steps.forEach((s, k) => {
    runTo(now + s.dt, k - 1);
    const roles = Object.keys(s.lines) as LineRole[];
    if (s.split.reverse) roles.reverse();
    const gap =
      roles.length > 1 ? Math.floor((s.split.spread * (settleMs - 1)) / (roles.length - 1)) : 0;
    roles.forEach((role, j) => {
      if (j > 0) runTo(now + gap, k);
      const lines = { ...input.lines, [role]: s.lines[role] };
      input = j === 0 ? { ...applyStep(input, { ...s, lines: {} }), lines } : { ...input, lines };
      doStep(k, j === 0, [role]);
    });
    if (roles.length === 0) {
      input = applyStep(input, s);
      doStep(k, true, []);
    }
  });
  return trace;
}
