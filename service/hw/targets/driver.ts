/**
 * The engine's logical outputs (load, charge, pre-alarm) onto the targets configured for
 * them. The parts: one target's drive state and retry backoff (slot.ts), the pre-alarm's
 * blinking (blink.ts), the reports and events given out (target-events.ts), and the
 * commissioning test of one output (test-output.ts).
 */
import { OUTPUT_NAMES, type OutputName, type Outputs } from '../../src/core/types';
import type { Clock } from '../clock';
import { Blinker } from './blink';
import { newSlot, retryDelay, safeApply, type Slot } from './slot';
import {
  overriddenEvent,
  statusEvent,
  warningEvent,
  type DriveReport,
  type TargetEvent,
} from './target-events';
import { testOutput, type TestLevel } from './test-output';
import type { Target, TargetReading, TargetResult } from './types';

export type { DriveReport, TargetEvent } from './target-events';

/** One target's level as seen, beside the level the driver would give it. */
export interface TargetLevel {
  output: OutputName;
  target: string;
  /** Read back, observed or confirmed; null = unknown. */
  actual: boolean | null;
  /** What the engine's decision gives this target now (blink phase included); null = undecided. */
  wanted: boolean | null;
  /** Why they would differ: a test, dry run, a failing write, a write under way, someone else. */
  why: 'test' | 'dryRun' | 'notDriven' | 'writing' | 'overridden';
}

export const SAFE_OUTPUTS: Readonly<Outputs> = { load: false, charge: false, preAlarm: false };

export interface OutputDriverOptions {
  clock: Clock;
  dryRun?: boolean;
  /** Intermittent: blinkable pre-alarm targets go 0.8 s on / 0.8 s off while it is on. */
  preAlarmMode?: 'continuous' | 'intermittent';
  blinkMs?: number;
  /** Backoff of retries after an error: first delay, doubling up to the maximum. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Every completed write (blink phases included), for the log. */
  onReport?: (report: DriveReport) => void;
  /**
   * A target problem began or ended, or someone else changed a target we drive (and it was
   * restored): one event each (behaviour.md section 6, "Others may write our targets").
   */
  onTargetEvent?: (event: TargetEvent) => void;
  /** A target's level was seen to change (the status shows what each target has). */
  onSeen?: () => void;
}

/**
 * Applies the engine's logical outputs to the targets. Only differences are written: a
 * target is driven when its wanted level differs from the level last sent to it, when an
 * error is retried (with backoff), or when it reports recovery by itself (a relay becoming
 * manual). Writes to one target are serialised; the caller is never blocked (applyAll
 * returns a completion promise that it may ignore).
 */
export class OutputDriver {
  private readonly slots: Slot[] = [];
  private wanted: Outputs | null = null;
  private dry: boolean;
  private readonly blink: Blinker;

  constructor(
    targets: Record<OutputName, Target[]>,
    private readonly options: OutputDriverOptions,
  ) {
    this.dry = options.dryRun ?? false;
    this.blink = new Blinker(options.clock, options.blinkMs ?? 800, () => {
      void this.sync(false, (s) => s.output === 'preAlarm' && s.target.blinkable);
    });
    for (const output of OUTPUT_NAMES) {
      for (const target of targets[output]) {
        const slot = newSlot(output, target);
        target.onResult?.((on, result) => {
          if (on === slot.attempted) this.record(slot, on, result);
        });
        target.observe?.((on, raw) => this.observed(slot, on, raw));
        let warned: string | null = null;
        target.onWarning?.((w) => {
          const before = warned;
          warned = w;
          this.options.onTargetEvent?.(warningEvent(output, target.describe(), before, w));
        });
        this.slots.push(slot);
      }
    }
  }

  get dryRun(): boolean {
    return this.dry;
  }

  /** What the engine wants (also in dry run: what would be driven); null before the first call. */
  wouldDrive(): Outputs | null {
    return this.wanted === null ? null : { ...this.wanted };
  }

  start(): void {
    for (const s of this.slots) s.target.start();
  }

  stop(): void {
    this.blink.stop();
    for (const s of this.slots) {
      this.cancelRetry(s);
      s.target.stop();
    }
  }

  /** Drive what changed. Never throws; resolves when the writes it started are done. */
  applyAll(outputs: Outputs): Promise<void> {
    this.wanted = { ...outputs };
    if (this.dry) return Promise.resolve();
    this.updateBlink();
    return this.sync(false);
  }

  /** Every target to its safe level, whatever was sent before (tests, tools). */
  driveSafe(): Promise<void> {
    return this.applyAllForced(SAFE_OUTPUTS);
  }

  /**
   * Start-up (behaviour.md section 4): read the level every readable target has now, so
   * that the engine's first decision writes only the targets that differ. A target that
   * cannot be read is written at the first decision (writing the level it has is harmless).
   */
  async readBack(): Promise<void> {
    await Promise.all(
      this.slots.map(async (s) => {
        let level: boolean | null = null;
        try {
          level = (await s.target.read?.())?.on ?? null;
        } catch {
          level = null;
        }
        // A decision may have come first: then it is what counts.
        if (level !== null) s.seen = level;
        if (level !== null && s.attempted === null && s.running === null) {
          s.attempted = level;
          s.applied = level;
          s.status = 'ok';
        }
      }),
    );
  }

  /**
   * Commissioning mode on/off. Leaving it ends every test and drives every target to the
   * engine's levels (before the engine's first decision: a tested target back to the level it
   * had before its test).
   */
  async setDryRun(dryRun: boolean): Promise<void> {
    if (dryRun === this.dry) return;
    this.dry = dryRun;
    if (dryRun) {
      this.blink.stop();
      for (const s of this.slots) this.cancelRetry(s);
      return;
    }
    const tested = this.slots.filter((s) => s.test !== null);
    for (const s of tested) s.test = null;
    if (this.wanted !== null) {
      await this.applyAllForced(this.wanted);
      return;
    }
    await Promise.all(
      tested.map((s) => {
        const back = s.beforeTest;
        s.beforeTest = null;
        if (back === null) return Promise.resolve();
        s.attempted = back;
        return this.kick(s);
      }),
    );
  }

  /**
   * Commissioning, in dry run only (test-output.ts): force every target of one output on or
   * off (`level` true/false), or end the test (`null`: back to the engine's level).
   */
  testOutput(output: OutputName, level: TestLevel): Promise<DriveReport[]> {
    const slots = this.slots.filter((s) => s.output === output);
    const engine = this.wanted === null ? null : this.wanted[output];
    return testOutput(slots, output, level, this.dry, engine, this.options.onReport);
  }

  /** The test under way per output: the forced level, or null (none). */
  tests(): Record<OutputName, boolean | null> {
    const out: Record<OutputName, boolean | null> = { load: null, charge: null, preAlarm: null };
    for (const s of this.slots) if (s.test !== null) out[s.output] = s.test;
    return out;
  }

  /** Does `output` have a target at all? */
  hasTargets(output: OutputName): boolean {
    return this.slots.some((s) => s.output === output);
  }

  /**
   * What each target has (read back, observed, or confirmed by its last write) beside the
   * level the driver would give it now, with why they differ, for the status.
   */
  levels(): TargetLevel[] {
    return this.slots.map((s) => {
      const wanted = this.wanted === null ? null : this.desired(s, this.wanted);
      const actual = s.seen ?? s.applied;
      let why: TargetLevel['why'];
      if (s.test !== null) why = 'test';
      else if (this.dry) why = 'dryRun';
      else if (s.lastResult !== null && s.lastResult.status !== 'ok') why = 'notDriven';
      else if (s.running !== null || s.dirty) why = 'writing';
      else why = 'overridden';
      return { output: s.output, target: s.target.describe(), actual, wanted, why };
    });
  }

  /** Problems of the targets, for the status notes ("load: relay 1 function is ..."). */
  problems(): string[] {
    const out: string[] = [];
    for (const s of this.slots) {
      const p = s.lastResult !== null && s.lastResult.status !== 'ok' ? s.lastResult.message : null;
      const msg = p ?? s.target.problem();
      if (msg !== null && msg !== '') out.push(`${s.output}: ${msg}`);
    }
    return out;
  }

  /** Per-target view for `smallbms status`. */
  targets(): Array<{ output: OutputName; target: string; applied: boolean | null; ok: boolean }> {
    return this.slots.map((s) => ({
      output: s.output,
      target: s.target.describe(),
      applied: s.applied,
      ok: s.lastResult === null || s.lastResult.status === 'ok',
    }));
  }

  /** Resolves when no write is in progress (tests). */
  async idle(): Promise<void> {
    for (let busy = this.busy(); busy.length > 0; busy = this.busy()) await Promise.all(busy);
  }

  private busy(): Promise<void>[] {
    return this.slots.flatMap((s) => (s.running === null ? [] : [s.running]));
  }

  private applyAllForced(outputs: Outputs): Promise<void> {
    this.wanted = { ...outputs };
    if (this.dry) return Promise.resolve();
    this.updateBlink();
    return this.sync(true);
  }

  private desired(slot: Slot, wanted: Outputs): boolean {
    if (slot.output === 'preAlarm' && slot.target.blinkable && this.blink.active) {
      return this.blink.phase;
    }
    return wanted[slot.output];
  }

  private sync(force: boolean, only?: (s: Slot) => boolean): Promise<void> {
    const wanted = this.wanted;
    if (wanted === null) return Promise.resolve();
    const started: Promise<void>[] = [];
    for (const s of this.slots) {
      if (only !== undefined && !only(s)) continue;
      const level = this.desired(s, wanted);
      if (!force && level === s.attempted) continue;
      this.cancelRetry(s);
      s.failures = 0;
      s.attempted = level;
      started.push(this.kick(s));
    }
    return Promise.all(started).then(() => undefined);
  }

  private kick(slot: Slot): Promise<void> {
    slot.dirty = true;
    if (slot.running === null) {
      slot.running = this.run(slot).finally(() => {
        slot.running = null;
      });
    }
    return slot.running;
  }

  private async run(slot: Slot): Promise<void> {
    while (slot.dirty && slot.attempted !== null && !this.dry) {
      slot.dirty = false;
      const level = slot.attempted;
      const result = await safeApply(slot.target, level);
      this.record(slot, level, result);
    }
    slot.dirty = false;
    if (slot.verify) {
      // A change was seen during the write; the signal order cannot tell whose was last.
      slot.verify = false;
      void this.verify(slot);
    }
  }

  private async verify(slot: Slot): Promise<void> {
    let reading: TargetReading | null = null;
    try {
      reading = (await slot.target.read?.()) ?? null;
    } catch {
      return;
    }
    if (reading === null || slot.running !== null) return;
    this.observed(slot, reading.on, reading.raw);
  }

  /**
   * The target's level as seen (signal or check). Equal to what we drive: nothing to do.
   * Different, while no write of ours is under way: someone else wrote it. Restore it,
   * and report it (behaviour.md section 6).
   */
  private observed(slot: Slot, on: boolean | null, raw: string): void {
    if (on !== null && on !== slot.seen) {
      slot.seen = on;
      this.options.onSeen?.();
    }
    if (this.dry || slot.attempted === null || on === slot.attempted) return;
    if (slot.running !== null) {
      slot.verify = true;
      return;
    }
    // Not ours to restore while it is refused (relay function taken away) or failing (the
    // retry restores it), and only a level we confirmed counts as overridden.
    if (slot.status !== 'ok' || slot.applied !== slot.attempted) return;
    slot.applied = on;
    const wanted = slot.attempted;
    this.options.onTargetEvent?.(overriddenEvent(slot.output, slot.target.describe(), raw, wanted));
    this.cancelRetry(slot);
    slot.failures = 0;
    void this.kick(slot);
  }

  private record(slot: Slot, level: boolean, result: TargetResult): void {
    slot.lastResult = result;
    const before = slot.status;
    slot.status = result.status;
    if (before !== result.status && (before !== null || result.status !== 'ok')) {
      this.options.onTargetEvent?.(
        statusEvent(slot.output, slot.target.describe(), before, level, result),
      );
    }
    if (result.status === 'ok') {
      slot.applied = level;
      slot.seen = level;
      slot.failures = 0;
    } else if (result.status === 'error' && level === slot.attempted && !slot.dirty) {
      this.scheduleRetry(slot, level);
    }
    this.options.onReport?.({
      output: slot.output,
      target: slot.target.describe(),
      on: level,
      result,
    });
  }

  private scheduleRetry(slot: Slot, level: boolean): void {
    this.cancelRetry(slot);
    const min = this.options.retryMinMs ?? 1000;
    const max = this.options.retryMaxMs ?? 60_000;
    const delay = retryDelay(slot.failures, min, max);
    slot.failures += 1;
    slot.retry = this.options.clock.setTimeout(() => {
      slot.retry = null;
      if (!this.dry && slot.attempted === level) void this.kick(slot);
    }, delay);
  }

  private cancelRetry(slot: Slot): void {
    if (slot.retry !== null) this.options.clock.clearTimeout(slot.retry);
    slot.retry = null;
  }

  private updateBlink(): void {
    this.blink.update(
      this.options.preAlarmMode === 'intermittent' &&
        this.wanted?.preAlarm === true &&
        !this.dry &&
        this.slots.some((s) => s.output === 'preAlarm' && s.target.blinkable),
    );
  }
}
