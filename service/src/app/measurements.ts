/**
 * SoC, voltage and current from the configured battery monitor, with staleness. Victron
 * services signal only on change, so a quiet path is not proof of a dead source: when
 * nothing arrived within the stale timeout we re-read /Soc once, and only a failed read (or
 * the service leaving) makes the values missing. The engine then pauses the floor logic.
 */
import type { BatteryMonitorConfig } from '../config/types';
import type { RemoteValues, ValueUpdate } from '../venus/api';
import type { ControllerClock } from './controller';

export interface MeasurementValues {
  soc: number | null;
  voltage: number | null;
  current: number | null;
}

const PATHS = { soc: '/Soc', voltage: '/Dc/0/Voltage', current: '/Dc/0/Current' } as const;
type Key = keyof typeof PATHS;

export class Measurements {
  private values: MeasurementValues = { soc: null, voltage: null, current: null };
  private present = false;
  private fresh = false;
  private lastUpdate = 0;
  private timer: unknown = null;
  private unwatch: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly config: BatteryMonitorConfig | undefined,
    private readonly remote: RemoteValues | undefined,
    private readonly clock: ControllerClock,
    private readonly onChange: () => void,
  ) {}

  /** Values as the engine should see them: null when missing or stale. */
  get(): MeasurementValues {
    if (!this.present || !this.fresh) return { soc: null, voltage: null, current: null };
    return this.values;
  }

  /** Why SoC is missing, for the status notes; null when fine or not configured. */
  problem(): string | null {
    if (!this.config) return 'no battery monitor configured: discharge floor inactive';
    if (!this.present) return `battery monitor ${this.config.service} not on D-Bus`;
    if (!this.fresh) return `battery monitor ${this.config.service} stale`;
    if (this.values.soc === null) return `battery monitor ${this.config.service} gives no SoC`;
    return null;
  }

  start(): void {
    if (!this.config || !this.remote) return;
    const { service } = this.config;
    const keys = Object.keys(PATHS) as Key[];
    const { watchMany } = this.remote;
    if (watchMany) {
      // One engine step per incoming signal, however many of our paths it carries.
      const byPath = new Map(keys.map((k) => [PATHS[k] as string, k]));
      const paths = keys.map((k) => PATHS[k]);
      const unwatch = watchMany.call(this.remote, service, paths, (updates) => {
        const before = this.signature();
        for (const [path, u] of updates) {
          const key = byPath.get(path);
          if (key) this.apply(key, u);
        }
        if (this.signature() !== before) this.onChange();
      });
      this.unwatch.push(unwatch);
    } else {
      for (const key of keys) {
        this.unwatch.push(this.remote.watch(service, PATHS[key], (u) => this.update(key, u)));
      }
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unwatch) u();
    this.unwatch = [];
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
  }

  private update(key: Key, u: ValueUpdate): void {
    const before = this.signature();
    this.apply(key, u);
    if (this.signature() !== before) this.onChange();
  }

  private apply(key: Key, u: ValueUpdate): void {
    this.present = u.present;
    this.values = { ...this.values, [key]: typeof u.value === 'number' ? u.value : null };
    if (u.present) {
      this.fresh = true;
      this.lastUpdate = this.clock.now();
    }
  }

  /** What get() gives, as a comparable key (no JSON per reading). */
  private signature(): string {
    const v = this.get();
    return `${v.soc}|${v.voltage}|${v.current}`;
  }

  private arm(): void {
    if (this.stopped || !this.config || this.config.staleTimeoutS <= 0) return;
    const timeoutMs = Math.round(this.config.staleTimeoutS * 1000);
    // Until the stale time; a timer that fired a little early waits the rest, not 100 ms.
    // After a failed re-read, again in 100 ms.
    const left = this.lastUpdate + timeoutMs - this.clock.now();
    const wait = left > 0 ? left : 100;
    this.timer = this.clock.setTimeout(() => void this.checkStale(timeoutMs), wait);
  }

  private async checkStale(timeoutMs: number): Promise<void> {
    this.timer = null;
    if (this.stopped || !this.config || !this.remote) return;
    if (this.present && this.clock.now() >= this.lastUpdate + timeoutMs) {
      const soc = await this.remote.getValue(this.config.service, PATHS.soc);
      const before = this.signature();
      if (soc === undefined) {
        this.fresh = false;
      } else {
        this.fresh = true;
        this.lastUpdate = this.clock.now();
        this.values = { ...this.values, soc: typeof soc === 'number' ? soc : null };
      }
      if (this.signature() !== before) this.onChange();
    }
    this.arm();
  }
}
