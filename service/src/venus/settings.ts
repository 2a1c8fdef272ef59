/**
 * Client for com.victronenergy.settings (localsettings), in the manner of velib's
 * SettingsDevice: AddSettings once (again whenever localsettings (re)appears), then follow
 * changes through PropertiesChanged / ItemsChanged. Works when localsettings starts after us.
 */
import { BusCallError, Typed, type Bus, type BusSignal } from './bus-api';
import { plain } from './values';

export const SETTINGS_SERVICE = 'com.victronenergy.settings';
export type SettingValue = number | string;

export interface SettingSpec {
  /** Full path, `/Settings/...`. */
  path: string;
  default: SettingValue;
  /** Default: 's' for strings, 'i' for integral numbers, else 'd'. Give 'd' for float settings. */
  type?: 'i' | 'd' | 's';
  /** min = max = 0 (or both absent) means no limits, as in localsettings. */
  min?: number;
  max?: number;
  silent?: boolean;
}

export interface SettingsClientOptions {
  timeoutMs?: number;
  log?: (message: string) => void;
}

type ChangeListener = (path: string, value: SettingValue | undefined) => void;

const BUSITEM = 'com.victronenergy.BusItem';
const RULES = [
  `type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${SETTINGS_SERVICE}'`,
  `type='signal',sender='${SETTINGS_SERVICE}',interface='${BUSITEM}',member='PropertiesChanged'`,
  `type='signal',sender='${SETTINGS_SERVICE}',interface='${BUSITEM}',member='ItemsChanged'`,
];

export function settingType(spec: SettingSpec): 'i' | 'd' | 's' {
  if (spec.type) return spec.type;
  if (typeof spec.default === 'string') return 's';
  return Number.isInteger(spec.default) ? 'i' : 'd';
}

export class SettingsClient {
  private readonly specs = new Map<string, SettingSpec>();
  /** Settings of others we read and follow, never add (e.g. /Settings/System/TimeZone). */
  private readonly followed = new Set<string>();
  private readonly values = new Map<string, SettingValue | undefined>();
  private readonly listeners = new Set<ChangeListener>();
  private owner: string | undefined;
  private waiters: (() => void)[] = [];
  private stopSignals: (() => void) | undefined;
  private readonly timeoutMs: number;
  private readonly log: (message: string) => void;

  constructor(
    private readonly bus: Bus,
    options: SettingsClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10000;
    this.log = options.log ?? (() => undefined);
  }

  /** Follow localsettings on the bus; call once before anything else. */
  async start(): Promise<void> {
    if (this.stopSignals) return;
    this.stopSignals = this.bus.onSignal((s) => this.onSignal(s));
    for (const rule of RULES) await this.bus.addMatch(rule);
    try {
      const [owner] = await this.bus.call({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'GetNameOwner',
        signature: 's',
        body: [SETTINGS_SERVICE],
      });
      if (typeof owner === 'string' && !this.owner) this.appeared(owner);
    } catch {
      // Not there yet: NameOwnerChanged tells us when it comes.
    }
  }

  stop(): void {
    this.stopSignals?.();
    this.stopSignals = undefined;
    for (const rule of RULES) void this.bus.removeMatch(rule).catch(() => undefined);
  }

  get present(): boolean {
    return this.owner !== undefined;
  }

  /**
   * Add settings (existing ones keep their stored value) and learn their values. Waits for
   * localsettings if it is not on the bus yet; they are added again whenever it restarts.
   */
  async add(specs: SettingSpec[]): Promise<Record<string, SettingValue>> {
    for (const spec of specs) this.specs.set(spec.path, spec);
    for (;;) {
      await this.available();
      try {
        await this.sendAddSettings(specs);
        break;
      } catch (err) {
        if (this.present) throw err;
        // localsettings left while we asked: try again when it is back.
      }
    }
    const out: Record<string, SettingValue> = {};
    for (const spec of specs) out[spec.path] = this.get(spec.path) ?? spec.default;
    return out;
  }

  /** Last known value (kept while localsettings is away); undefined before it answered. */
  get(path: string): SettingValue | undefined {
    return this.values.get(path);
  }

  /** Called for every change of a setting added through this client. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Read a setting someone else owns and follow its changes (the listeners of onChange hear
   * them); read again when localsettings restarts. Resolves with its value, or undefined when
   * it does not exist; waits for localsettings if it is not on the bus yet.
   */
  async follow(path: string): Promise<SettingValue | undefined> {
    this.followed.add(path);
    await this.available();
    return this.read(path).catch(() => undefined);
  }

  async setValue(path: string, value: SettingValue): Promise<boolean> {
    const spec = this.specs.get(path);
    const type = spec ? settingType(spec) : typeof value === 'string' ? 's' : 'd';
    try {
      const [code] = await this.bus.call({
        destination: SETTINGS_SERVICE,
        path,
        interface: BUSITEM,
        member: 'SetValue',
        signature: 'v',
        body: [new Typed(type, value)],
        timeoutMs: this.timeoutMs,
      });
      return code === 0;
    } catch (err) {
      this.log(`settings: SetValue ${path} failed: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * Allocate our /DeviceInstance: localsettings bumps `<class>:<n>` to a free number for
   * the class; the stored value is stable for a stable uniqueId.
   */
  async claimDeviceInstance(
    uniqueId: string,
    deviceClass: string,
    preferred: number,
  ): Promise<number> {
    if (!/^[A-Za-z0-9_]+$/.test(uniqueId))
      throw new Error(`unique id '${uniqueId}' is not a valid path segment`);
    const path = `/Settings/Devices/${uniqueId}/ClassAndVrmInstance`;
    const result = await this.add([{ path, default: `${deviceClass}:${preferred}` }]);
    let [cls, instance] = parseClassAndInstance(result[path]);
    if (cls !== deviceClass || instance === undefined) {
      // A stored record of another class (or garbage): the class must equal our service type.
      await this.setValue(path, `${deviceClass}:${instance ?? preferred}`);
      [cls, instance] = parseClassAndInstance(await this.read(path));
    }
    if (cls !== deviceClass || instance === undefined) {
      throw new Error(
        `cannot allocate a ${deviceClass} device instance (${path} = ${this.get(path)})`,
      );
    }
    return instance;
  }

  private async read(path: string): Promise<SettingValue | undefined> {
    const [value] = await this.bus.call({
      destination: SETTINGS_SERVICE,
      path,
      interface: BUSITEM,
      member: 'GetValue',
      timeoutMs: this.timeoutMs,
    });
    const v = plain(value);
    this.update(path, typeof v === 'number' || typeof v === 'string' ? v : undefined);
    return this.get(path);
  }

  private available(): Promise<void> {
    if (this.present) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async sendAddSettings(specs: SettingSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const items = specs.map((spec) => {
      const type = settingType(spec);
      const item: Record<string, Typed> = {
        path: new Typed('s', spec.path),
        default: new Typed(type, spec.default),
      };
      if (type !== 's' && (spec.min !== undefined || spec.max !== undefined)) {
        item.min = new Typed(type, spec.min ?? 0);
        item.max = new Typed(type, spec.max ?? 0);
      }
      if (spec.silent) item.silent = new Typed('i', 1);
      return item;
    });
    const [reply] = await this.bus.call({
      destination: SETTINGS_SERVICE,
      path: '/',
      interface: 'com.victronenergy.Settings',
      member: 'AddSettings',
      signature: 'aa{sv}',
      body: [items],
      timeoutMs: this.timeoutMs,
    });
    const failed: string[] = [];
    for (const entry of (Array.isArray(reply) ? reply : []) as Record<string, unknown>[]) {
      const path = plain(entry.path);
      const error = plain(entry.error);
      const value = plain(entry.value);
      if (typeof path !== 'string') continue;
      if (error !== 0) failed.push(`${path} (error ${String(error)})`);
      else if (typeof value === 'number' || typeof value === 'string') this.update(path, value);
    }
    if (failed.length > 0)
      throw new BusCallError(
        'com.victronenergy.Settings.Error',
        `AddSettings refused: ${failed.join(', ')}`,
      );
  }

  private appeared(owner: string): void {
    this.owner = owner;
    this.log(`settings: ${SETTINGS_SERVICE} is on the bus (${owner})`);
    const waiters = this.waiters.splice(0);
    for (const wake of waiters) wake();
    // A restarted localsettings may have lost settings: add everything again.
    // (Pending add() calls send their own; only settings added before are re-sent here.)
    for (const path of this.followed) void this.read(path).catch(() => undefined);
    const known = [...this.specs.values()].filter((spec) => this.values.has(spec.path));
    if (known.length > 0) {
      this.sendAddSettings(known).catch((err: Error) =>
        this.log(`settings: re-adding failed: ${err.message}`),
      );
    }
  }

  private onSignal(s: BusSignal): void {
    if (s.member === 'NameOwnerChanged' && s.body[0] === SETTINGS_SERVICE) {
      const newOwner = s.body[2];
      if (typeof newOwner === 'string' && newOwner !== '') this.appeared(newOwner);
      else this.owner = undefined;
      return;
    }
    if (s.interface !== BUSITEM || !this.owner || s.sender !== this.owner) return;
    if (s.member === 'PropertiesChanged') {
      const changes = s.body[0] as Record<string, unknown> | undefined;
      if (changes && 'Value' in changes) this.fromBus(s.path, changes.Value);
    } else if (s.member === 'ItemsChanged') {
      const items = (s.body[0] ?? {}) as Record<string, Record<string, unknown>>;
      for (const [path, changes] of Object.entries(items)) {
        if (changes && 'Value' in changes) this.fromBus(path, changes.Value);
      }
    }
  }

  private fromBus(path: string, raw: unknown): void {
    if (!this.specs.has(path) && !this.followed.has(path)) return;
    const v = plain(raw);
    this.update(path, typeof v === 'number' || typeof v === 'string' ? v : undefined);
  }

  private update(path: string, value: SettingValue | undefined): void {
    const before = this.values.get(path);
    this.values.set(path, value);
    if (before === value || (!this.specs.has(path) && !this.followed.has(path))) return;
    for (const listener of this.listeners) listener(path, value);
  }
}

export function parseClassAndInstance(
  value: SettingValue | undefined,
): [string | undefined, number | undefined] {
  if (typeof value !== 'string') return [undefined, undefined];
  const match = /^([a-z0-9_.]+):(\d+)$/i.exec(value);
  return match ? [match[1], Number(match[2])] : [undefined, undefined];
}
