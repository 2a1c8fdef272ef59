import { OUTPUT_NAMES, type OutputName, type Outputs } from '../../src/core/types';
import type { Clock, TimerHandle } from '../clock';
import type { Target, TargetReading, TargetResult } from './types';

export const SAFE_OUTPUTS: Readonly<Outputs> = { load: false, charge: false, preAlarm: false };

export interface DriveReport {
  output: OutputName;
  target: string;
  on: boolean;
  result: TargetResult;
}

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
}

export interface TargetEvent {
  output: OutputName;
  target: string;
  /**
   * `overridden`: someone else wrote it (from = the foreign raw value, to = our level);
   * `refused` / `error` / `ok`: the target's status changed (from → to);
   * `warning`: a warning about the target began (to = true) or ended (to = false).
   */
  what: 'overridden' | 'status' | 'warning';
  from: string | boolean | null;
  to: string | boolean | null;
  reason: string;
}

interface Slot {
  output: OutputName;
  target: Target;
  /** Level last sent (or being sent); null = never, or forced to be re-sent. */
  attempted: boolean | null;
  /** Level the target confirmed; null = unknown. */
  applied: boolean | null;
  lastResult: TargetResult | null;
  dirty: boolean;
  running: Promise<void> | null;
  failures: number;
  retry: TimerHandle | null;
  /** Status of the last completed drive, for the problem events; null before the first. */
  status: TargetResult['status'] | null;
  /** A change was seen while a write ran: read the target back once it is done. */
  verify: boolean;
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
  private readonly blinkMs: number;
  private blinkTimer: TimerHandle | null = null;
  private blinkPhase = true;

  constructor(
    targets: Record<OutputName, Target[]>,
    private readonly options: OutputDriverOptions,
  ) {
    this.dry = options.dryRun ?? false;
    this.blinkMs = options.blinkMs ?? 800;
    for (const output of OUTPUT_NAMES) {
      for (const target of targets[output]) {
        const slot: Slot = {
          output,
          target,
          attempted: null,
          applied: null,
          lastResult: null,
          dirty: false,
          running: null,
          failures: 0,
          retry: null,
          status: null,
          verify: false,
        };
        target.onResult?.((on, result) => {
          if (on === slot.attempted) this.record(slot, on, result);
        });
        target.observe?.((on, raw) => this.observed(slot, on, raw));
        let warned: string | null = null;
        target.onWarning?.((w) => {
          const before = warned;
          warned = w;
          this.options.onTargetEvent?.({
            output,
            target: target.describe(),
            what: 'warning',
            from: before !== null,
            to: w !== null,
            reason: w ?? `no longer: ${before ?? ''}`,
          });
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
    this.stopBlink();
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
        if (level !== null && s.attempted === null && s.running === null) {
          s.attempted = level;
          s.applied = level;
          s.status = 'ok';
        }
      }),
    );
  }

  /** Commissioning mode on/off. Leaving it drives every target to the wanted levels. */
  setDryRun(dryRun: boolean): Promise<void> {
    if (dryRun === this.dry) return Promise.resolve();
    this.dry = dryRun;
    if (dryRun) {
      this.stopBlink();
      for (const s of this.slots) this.cancelRetry(s);
      return Promise.resolve();
    }
    return this.wanted === null ? Promise.resolve() : this.applyAllForced(this.wanted);
  }

  /**
   * Commissioning: drive every target of one output once. Only in dry run, where the engine
   * does not own the outputs; otherwise refused, so a test cannot fight the protection.
   */
  async testOutput(output: OutputName, on: boolean): Promise<DriveReport[]> {
    const slots = this.slots.filter((s) => s.output === output);
    if (!this.dry) {
      const result: TargetResult = {
        status: 'refused',
        message: 'test-output only in dry run (commissioning mode): the engine owns the outputs',
      };
      return slots.map((s) => ({ output, target: s.target.describe(), on, result }));
    }
    return Promise.all(
      slots.map(async (s) => {
        const result = await this.safeApply(s.target, on);
        s.attempted = on;
        s.lastResult = result;
        if (result.status === 'ok') s.applied = on;
        const report = { output, target: s.target.describe(), on, result };
        this.options.onReport?.(report);
        return report;
      }),
    );
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
    if (slot.output === 'preAlarm' && slot.target.blinkable && this.blinkTimer !== null) {
      return this.blinkPhase;
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
      const result = await this.safeApply(slot.target, level);
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
    this.options.onTargetEvent?.({
      output: slot.output,
      target: slot.target.describe(),
      what: 'overridden',
      from: raw,
      to: wanted,
      reason: `set to ${raw} by someone else while ${slot.output} is ${wanted ? 'on' : 'off'}: restored`,
    });
    this.cancelRetry(slot);
    slot.failures = 0;
    void this.kick(slot);
  }

  private async safeApply(target: Target, on: boolean): Promise<TargetResult> {
    try {
      return await target.apply(on);
    } catch (err) {
      return { status: 'error', message: `${target.describe()}: ${String(err)}` };
    }
  }

  private record(slot: Slot, level: boolean, result: TargetResult): void {
    slot.lastResult = result;
    const before = slot.status;
    slot.status = result.status;
    if (before !== result.status && (before !== null || result.status !== 'ok')) {
      this.statusEvent(slot, before, level, result);
    }
    if (result.status === 'ok') {
      slot.applied = level;
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

  private statusEvent(
    slot: Slot,
    before: TargetResult['status'] | null,
    level: boolean,
    result: TargetResult,
  ): void {
    const name = slot.target.describe();
    const driven = `driven ${level ? 'on' : 'off'}`;
    let reason: string;
    if (result.status === 'refused') reason = `${result.message} (taken away from this service)`;
    else if (result.status === 'error') reason = `unreachable: ${result.message}`;
    else if (before === 'refused') reason = `given back (function manual): ${driven}`;
    else reason = `reachable again: ${driven}`;
    this.options.onTargetEvent?.({
      output: slot.output,
      target: name,
      what: 'status',
      from: before,
      to: result.status,
      reason,
    });
  }

  private scheduleRetry(slot: Slot, level: boolean): void {
    this.cancelRetry(slot);
    const min = this.options.retryMinMs ?? 1000;
    const max = this.options.retryMaxMs ?? 60_000;
    const delay = Math.min(max, min * 2 ** Math.min(slot.failures, 16));
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
    const blink =
      this.options.preAlarmMode === 'intermittent' &&
      this.wanted?.preAlarm === true &&
      !this.dry &&
      this.slots.some((s) => s.output === 'preAlarm' && s.target.blinkable);
    if (blink && this.blinkTimer === null) {
      this.blinkPhase = true;
      this.armBlink();
    } else if (!blink) {
      this.stopBlink();
    }
  }

  private armBlink(): void {
    this.blinkTimer = this.options.clock.setTimeout(() => {
      this.blinkPhase = !this.blinkPhase;
      this.armBlink();
      void this.sync(false, (s) => s.output === 'preAlarm' && s.target.blinkable);
    }, this.blinkMs);
  }

  private stopBlink(): void {
    if (this.blinkTimer !== null) this.options.clock.clearTimeout(this.blinkTimer);
    this.blinkTimer = null;
  }
}
