/**
 * Our face on D-Bus: the tunables in localsettings (live), the device instance, and the
 * battery service itself. It comes up in the background: the protection runs from the
 * config's tunables before localsettings answers, and the name is registered only once
 * every path (with /DeviceInstance) exists.
 */
import type { SmallBmsConfig, TunablesConfig } from '../config/types';
import { batteryServiceName } from '../config/problem';
import type { StatusSnapshot } from '../status';
import type { Bus } from '../venus/bus';
import { BusItemService, type ItemValue } from '../venus/busitem';
import { SettingsClient, type SettingSpec } from '../venus/settings';
import {
  addBatteryPaths,
  batteryValues,
  type BatteryServiceOptions,
  type DvccState,
} from './battery-service';
import { MIRROR_PATHS, mirrorsMonitor } from './battery-picture';
import { TIME_ZONE_SETTING } from '../local-time';
import { TUNABLE_SETTINGS, applySetting, settingsPrefix } from './tunables';

export interface DbusFaceDeps {
  bus: Bus;
  config: SmallBmsConfig;
  version: string;
  serial: string;
  /** Tunables changed in localsettings (already validated). */
  onTunables: (t: TunablesConfig) => void;
  handlers: Pick<BatteryServiceOptions, 'onMode' | 'onDryRun' | 'onTestOutput'>;
  /** The GX's time zone setting, read at start and on every change (undefined: not set). */
  onTimeZone?: (zone: string | undefined) => void;
  log: (level: 'info' | 'warn', msg: string) => void;
}

/** The first bank takes battery:512 if free (third-party range, away from Victron's own). */
const PREFERRED_INSTANCE = 512;

export class DbusFace {
  readonly serviceName: string;
  private service: BusItemService | null = null;
  private readonly settings: SettingsClient;
  private tunables: TunablesConfig;
  private latest: Record<string, ItemValue> | null = null;
  private closed = false;

  constructor(private readonly deps: DbusFaceDeps) {
    this.serviceName = batteryServiceName(deps.config.name);
    this.settings = new SettingsClient(deps.bus, { log: (m) => deps.log('warn', m) });
    this.tunables = deps.config.tunables;
  }

  get registered(): boolean {
    return this.service?.isRegistered ?? false;
  }

  get deviceInstance(): number | null {
    const v = this.service?.get('/DeviceInstance');
    return typeof v === 'number' ? v : null;
  }

  /**
   * Settings and device instance first (localsettings round trips, started early so they do
   * not queue behind the start-up read-back); the name is requested once `decided` resolves,
   * so the service appears on D-Bus with the engine's first result, never with defaults.
   * Resolves when registered.
   */
  async start(
    dvcc: DvccState['limits'] | undefined,
    decided: Promise<void> = Promise.resolve(),
  ): Promise<void> {
    const { config } = this.deps;
    const prefix = settingsPrefix(config.name);
    await this.settings.start();
    this.settings.onChange((path, value) => {
      if (path === TIME_ZONE_SETTING)
        this.deps.onTimeZone?.(value === undefined ? undefined : String(value));
    });
    void this.settings.follow(TIME_ZONE_SETTING).then((v) => {
      if (!this.closed) this.deps.onTimeZone?.(v === undefined ? undefined : String(v));
    });
    const specs: SettingSpec[] = TUNABLE_SETTINGS.map((s) => ({
      path: `${prefix}/${s.setting}`,
      default: s.toSetting(config.tunables),
      type: s.type,
      min: s.min,
      max: s.max,
    }));
    specs.push({ path: `${prefix}/CustomName`, default: '', type: 's' });
    const stored = await this.settings.add(specs);
    if (this.closed) return;
    for (const s of TUNABLE_SETTINGS) this.applyStored(s.setting, stored[`${prefix}/${s.setting}`]);
    this.deps.onTunables(this.tunables);
    // A name changed in the console before the service is registered is not lost.
    let customName = String(stored[`${prefix}/CustomName`] ?? '');
    let building: BusItemService | null = null;
    this.settings.onChange((path, value) => {
      if (!path.startsWith(`${prefix}/`)) return;
      const name = path.slice(prefix.length + 1);
      if (name === 'CustomName') {
        if (typeof value !== 'string') return;
        customName = value;
        (this.service ?? building)?.set('/CustomName', value);
        return;
      }
      if (this.applyStored(name, value)) this.deps.onTunables(this.tunables);
    });

    const uniqueId = `smallbms_${config.name}`;
    const instance = await this.settings.claimDeviceInstance(
      uniqueId,
      'battery',
      PREFERRED_INSTANCE,
    );
    if (this.closed) return;
    const svc = new BusItemService(this.deps.bus, this.serviceName);
    building = svc;
    addBatteryPaths(svc, {
      deviceInstance: instance,
      bank: config.name,
      version: this.deps.version,
      connection: `smallBMS lines (${config.board})`,
      hardware: config.board,
      serial: this.deps.serial,
      customName,
      dvcc,
      mirrorPaths: mirrorsMonitor(dvcc !== undefined, config.batteryMonitor) ? MIRROR_PATHS : [],
      onCustomName: (name) => this.settings.setValue(`${prefix}/CustomName`, name),
      ...this.deps.handlers,
    });
    await decided;
    if (this.closed) return;
    if (this.latest) svc.setMany(this.latest);
    await svc.register();
    if (this.closed) {
      // stop() ran while the name was being requested: give the name back.
      await svc.close().catch(() => undefined);
      return;
    }
    this.service = svc;
    this.deps.log('info', `${this.serviceName} registered on D-Bus (instance ${instance})`);
  }

  /** Publish a snapshot (only changed paths are signalled). */
  publish(s: StatusSnapshot, dvcc: DvccState | undefined, extra: Record<string, ItemValue>): void {
    this.latest = { ...batteryValues(s, dvcc), ...extra };
    this.service?.setMany(this.latest);
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.settings.stop();
    await this.service?.close().catch(() => undefined);
  }

  /** Returns true when the tunables changed. */
  private applyStored(name: string, value: unknown): boolean {
    const setting = TUNABLE_SETTINGS.find((s) => s.setting === name);
    if (!setting || value === undefined) return false;
    const next = applySetting(this.tunables, setting, value);
    if (!next) {
      this.deps.log('warn', `setting ${name} = ${String(value)} refused: out of range`);
      return false;
    }
    if (next[setting.key] === this.tunables[setting.key]) return false;
    this.tunables = next;
    return true;
  }
}
