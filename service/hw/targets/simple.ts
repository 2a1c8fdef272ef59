import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type {
  BuzzerTarget as BuzzerTargetConfig,
  DeviceTarget as DeviceTargetConfig,
  DvccTarget as DvccTargetConfig,
  GpioTarget as GpioTargetConfig,
  SwitchTarget as SwitchTargetConfig,
} from '../../src/config/types';
import type { RemoteValues, VeValue } from '../../src/venus/api';
import type { Clock, TimerHandle } from '../clock';
import { SYSTEM_SERVICE } from './relay';
import {
  OK,
  type Target,
  type TargetObserver,
  type TargetReading,
  type TargetResult,
} from './types';

/** A raw value as text, for events ("-" when invalid or absent). */
export function rawText(v: VeValue | undefined): string {
  return v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Shared shape of the targets that are one SetValue on another service. */
abstract class SetValueTarget implements Target {
  abstract readonly type: Target['type'];
  abstract readonly blinkable: boolean;
  private lastProblem: string | null = null;
  private readonly observers: TargetObserver[] = [];
  private unwatch: (() => void) | null = null;

  constructor(
    protected readonly remote: RemoteValues,
    protected readonly service: string,
    protected readonly path: string,
  ) {}

  protected abstract valueFor(on: boolean): number;
  abstract describe(): string;

  async apply(on: boolean): Promise<TargetResult> {
    const value = this.valueFor(on);
    const ok = await this.remote.setValue(this.service, this.path, value);
    this.lastProblem = ok
      ? null
      : `${this.service} ${this.path}: write of ${value} refused or failed`;
    return ok ? OK : { status: 'error', message: this.lastProblem ?? '' };
  }

  problem(): string | null {
    return this.lastProblem;
  }

  async read(): Promise<TargetReading | null> {
    const v = await this.remote.getValue(this.service, this.path);
    return v === undefined ? null : { on: this.levelOf(v), raw: rawText(v) };
  }

  observe(listener: TargetObserver): void {
    this.observers.push(listener);
  }

  start(): void {
    if (this.unwatch !== null || this.observers.length === 0) return;
    this.unwatch = this.remote.watch(this.service, this.path, (u) => {
      if (!u.present) return; // gone: a write will say so (unreachable)
      for (const o of this.observers) o(this.levelOf(u.value), rawText(u.value));
    });
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  /** The logical level a raw value means; null for neither. */
  protected levelOf(v: VeValue | undefined): boolean | null {
    if (v === this.valueFor(true)) return true;
    if (v === this.valueFor(false)) return false;
    return null;
  }
}

/** GX IO-Extender (dbus-switch) channel: `/SwitchableOutput/<channel>/State`. */
export class SwitchTarget extends SetValueTarget {
  readonly type = 'switch';
  // IO-Extender channels are relays or SSRs: a mechanical one must not blink.
  readonly blinkable = false;

  constructor(
    private readonly config: SwitchTargetConfig,
    remote: RemoteValues,
  ) {
    super(remote, config.service, `/SwitchableOutput/${config.channel}/State`);
  }

  protected valueFor(on: boolean): number {
    return on !== this.config.invert ? 1 : 0;
  }

  describe(): string {
    return `switch ${this.service} ${this.path}${this.config.invert ? ' inverted' : ''}`;
  }
}

/** Another service's mode path (inverter, charger, DC-DC) with its own on/off values. */
export class DeviceTarget extends SetValueTarget {
  readonly type = 'device';
  readonly blinkable = false; // switching an inverter on and off every 0.8 s: never

  constructor(
    private readonly config: DeviceTargetConfig,
    remote: RemoteValues,
  ) {
    super(remote, config.service, config.path);
  }

  protected valueFor(on: boolean): number {
    return on !== this.config.invert ? this.config.onValue : this.config.offValue;
  }

  describe(): string {
    const { onValue, offValue } = this.config;
    return `device ${this.service} ${this.path} (on ${onValue}, off ${offValue})${this.config.invert ? ' inverted' : ''}`;
  }
}

/**
 * The GX buzzer. systemcalc already sounds it intermittently (it toggles every 500 ms while
 * /Buzzer/State is 1), so it is never blinked on top of that.
 */
export class BuzzerTarget extends SetValueTarget {
  readonly type = 'buzzer';
  readonly blinkable = false;

  constructor(
    private readonly config: BuzzerTargetConfig,
    remote: RemoteValues,
  ) {
    super(remote, SYSTEM_SERVICE, '/Buzzer/State');
  }

  protected valueFor(on: boolean): number {
    return on !== this.config.invert ? 1 : 0;
  }

  describe(): string {
    return `buzzer (${SYSTEM_SERVICE} /Buzzer/State)${this.config.invert ? ' inverted' : ''}`;
  }
}

/** A sysfs-like `value` file (custom boards, LEDs, the simulated board). */
export class GpioTarget implements Target {
  readonly type = 'gpio';
  readonly blinkable = true;
  readonly path: string;
  private lastProblem: string | null = null;
  private readonly observers: TargetObserver[] = [];
  private timer: TimerHandle | null = null;
  private lastRaw: string | null = null;

  /**
   * `check`: how the level is followed. A sysfs value file has no change signal, so it is
   * read on a timer (one small sync read a second; see docs/performance.md).
   */
  constructor(
    private readonly config: GpioTargetConfig,
    gpioRoot: string,
    private readonly check?: { clock: Clock; everyMs: number },
  ) {
    this.path = isAbsolute(config.path) ? config.path : join(gpioRoot, config.path);
  }

  read(): Promise<TargetReading | null> {
    const raw = this.readRaw();
    return Promise.resolve(raw === null ? null : { on: this.levelOf(raw), raw });
  }

  observe(listener: TargetObserver): void {
    this.observers.push(listener);
  }

  private readRaw(): string | null {
    try {
      return readFileSync(this.path, 'utf8').trim();
    } catch {
      return null;
    }
  }

  private levelOf(raw: string | null): boolean | null {
    if (raw !== '0' && raw !== '1') return null;
    return (raw === '1') !== this.config.invert;
  }

  private poll(): void {
    const check = this.check;
    if (check === undefined) return;
    this.timer = check.clock.setTimeout(() => {
      const raw = this.readRaw();
      if (raw !== null && raw !== this.lastRaw) {
        this.lastRaw = raw;
        for (const o of this.observers) o(this.levelOf(raw), raw);
      }
      this.poll();
    }, check.everyMs);
  }

  apply(on: boolean): Promise<TargetResult> {
    const raw = on !== this.config.invert ? '1' : '0';
    try {
      // Sync, like the reads: a sysfs write does not wait on a disk.
      writeFileSync(this.path, raw);
      this.lastRaw = raw;
      this.lastProblem = null;
      return Promise.resolve(OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      this.lastProblem = `gpio ${this.path}: write of ${raw} failed (${code})`;
      return Promise.resolve({ status: 'error', message: this.lastProblem });
    }
  }

  describe(): string {
    return `gpio ${this.path}${this.config.invert ? ' inverted' : ''}`;
  }

  problem(): string | null {
    return this.lastProblem;
  }

  start(): void {
    if (this.timer !== null || this.observers.length === 0) return;
    this.lastRaw = this.readRaw();
    this.poll();
  }

  stop(): void {
    if (this.timer !== null) this.check?.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * Our own battery service's DVCC face. No I/O here: it records the wanted level, and the
 * battery service reads `allowed` (CCL/DCL = 0 and /Io/AllowTo* when not allowed).
 */
export class DvccTarget implements Target {
  readonly type = 'dvcc';
  readonly blinkable = false;
  private level: boolean | null = null;
  private readonly listeners = new Set<(allowed: boolean) => void>();

  /**
   * `held`: the level the previous run of the service left (logical output, persisted), so
   * a restart publishes that until the engine has decided, never a blip to 0.
   */
  constructor(
    private readonly config: DvccTargetConfig,
    held: boolean | null = null,
  ) {
    this.level = held === null ? null : held !== config.invert;
  }

  read(): Promise<TargetReading | null> {
    if (this.level === null) return Promise.resolve(null);
    const on = this.level !== this.config.invert;
    return Promise.resolve({ on, raw: this.level ? 'allowed' : 'not allowed' });
  }

  /** The wanted level after invert; null until first driven. */
  get allowed(): boolean | null {
    return this.level;
  }

  /** Called on every change of `allowed`. Returns an unsubscribe function. */
  onChange(listener: (allowed: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  apply(on: boolean): Promise<TargetResult> {
    const level = on !== this.config.invert;
    if (level !== this.level) {
      this.level = level;
      for (const l of this.listeners) l(level);
    }
    return Promise.resolve(OK);
  }

  describe(): string {
    return `DVCC (our battery service)${this.config.invert ? ' inverted' : ''}`;
  }

  problem(): string | null {
    return null;
  }

  start(): void {}
  stop(): void {}
}
