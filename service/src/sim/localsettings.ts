/**
 * Stand-in for Venus's localsettings (com.victronenergy.settings), written from its documented
 * API: AddSettings / AddSetting / RemoveSettings on `/`, settings as BusItems with min/max
 * enforcement (SetValue → 0 / -1), ClassAndVrmInstance bumped to a free number per class,
 * optional JSON persistence. Runs in-process for tests and `smallbms demo`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connectBus, Typed, type Bus, type IncomingCall } from '../venus/bus';
import { BusItemService, type ItemType, type ItemValue } from '../venus/busitem';
import { plain } from '../venus/values';
import { SETTINGS_SERVICE, parseClassAndInstance } from '../venus/settings';

interface Stored {
  type: ItemType;
  value: number | string;
  default: number | string;
  min: number;
  max: number;
}

export interface LocalSettingsOptions {
  address: string;
  /** JSON file to persist settings in (the real one uses /data/conf/settings.xml). */
  file?: string;
  /** Settings present before anyone adds them (the GX's /etc/venus/settings.d defaults). */
  initial?: Record<string, number | string>;
}

// localsettings' AddSettingError codes.
const ERR = {
  ok: 0,
  underscore: -2,
  unknownType: -3,
  invalidPath: -4,
  typeDiffer: -5,
  notInSettings: -9,
};
/**
 * Settings every GX has before any service adds them: the time zone the console sets
 * (Settings → General → Date & time; an Olson name, UTC stored as "/UTC" by the console's
 * zone list of region and city).
 */
export const GX_DEFAULT_SETTINGS: Record<string, number | string> = {
  '/Settings/System/TimeZone': '/UTC',
};

const CLASS_AND_INSTANCE = /^\/Settings\/Devices\/[^/]+\/ClassAndVrmInstance$/;

export class LocalSettingsStandIn {
  private bus: Bus | undefined;
  private service: BusItemService | undefined;
  private readonly settings = new Map<string, Stored>();

  constructor(private readonly options: LocalSettingsOptions) {
    if (options.file && existsSync(options.file)) {
      const saved = JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, Stored>;
      for (const [path, stored] of Object.entries(saved)) this.settings.set(path, stored);
    }
    for (const [path, value] of Object.entries({ ...GX_DEFAULT_SETTINGS, ...options.initial })) {
      if (this.settings.has(path)) continue;
      const type: ItemType = typeof value === 'string' ? 's' : Number.isInteger(value) ? 'i' : 'd';
      this.settings.set(path, { type, value, default: value, min: 0, max: 0 });
    }
  }

  async start(): Promise<void> {
    this.bus = await connectBus(this.options.address);
    const service = new BusItemService(this.bus, SETTINGS_SERVICE, {
      refusedCode: -1,
      onWrite: (path, value) => this.written(path, value),
    });
    this.service = service;
    for (const path of this.settings.keys()) this.export(path);
    service.addMethod('AddSettings', (call) => this.addSettings(call));
    service.addMethod('AddSetting', (call) => this.addSetting(call));
    service.addMethod('RemoveSettings', (call) => this.removeSettings(call));
    for (const attr of ['GetMin', 'GetMax', 'GetDefault'] as const) {
      service.addMethod(attr, (call) => this.attribute(call, attr));
    }
    await service.register();
  }

  async stop(): Promise<void> {
    await this.service?.close();
    this.bus?.disconnect();
    this.service = undefined;
    this.bus = undefined;
  }

  get(path: string): number | string | undefined {
    return this.settings.get(path)?.value;
  }

  /** Change a setting as the user would in the GUI (range and type are checked). */
  set(path: string, value: number | string): boolean {
    const stored = this.settings.get(path);
    if (!stored || !this.inRange(stored, value)) return false;
    this.service?.set(path, value);
    this.written(path, value);
    return true;
  }

  private export(path: string): void {
    const stored = this.settings.get(path);
    if (!stored || !this.service) return;
    this.service.add(path, {
      type: stored.type,
      value: stored.value,
      writable: { validate: (v) => this.inRange(stored, v) },
    });
  }

  private inRange(stored: Stored, value: number | string): boolean {
    if (typeof value !== (stored.type === 's' ? 'string' : 'number')) return false;
    if (typeof value === 'number' && !(stored.min === 0 && stored.max === 0)) {
      return value >= stored.min && value <= stored.max;
    }
    return true;
  }

  private written(path: string, value: ItemValue): void {
    const stored = this.settings.get(path);
    if (!stored || value === null) return;
    stored.value = value;
    this.save();
  }

  private save(): void {
    if (!this.options.file) return;
    const tmp = `${this.options.file}.new`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.settings), null, 1));
    renameSync(tmp, this.options.file);
  }

  private add(
    path: string,
    def: Typed,
    min: unknown,
    max: unknown,
  ): [number, number | string | undefined] {
    if (!path.startsWith('/Settings/')) return [ERR.notInSettings, undefined];
    if (path.includes('/_')) return [ERR.underscore, undefined];
    if (!/^(\/[A-Za-z0-9_]+)+$/.test(path)) return [ERR.invalidPath, undefined];
    const sig = def.signature;
    const type: ItemType | undefined =
      sig === 's'
        ? 's'
        : sig === 'd'
          ? 'd'
          : ['i', 'x', 'n', 'u', 'q', 'y'].includes(sig)
            ? 'i'
            : undefined;
    const value = plain(def);
    if (!type || (typeof value !== 'number' && typeof value !== 'string'))
      return [ERR.unknownType, undefined];
    const existing = this.settings.get(path);
    const limits = { min: Number(plain(min) ?? 0), max: Number(plain(max) ?? 0) };
    if (existing) {
      if (existing.type !== type) return [ERR.typeDiffer, undefined];
      // An existing setting keeps its value; only default and limits are updated.
      Object.assign(existing, { default: value }, type === 's' ? {} : limits);
      this.save();
      return [ERR.ok, existing.value];
    }
    let initial = value;
    if (CLASS_AND_INSTANCE.test(path)) initial = this.freeInstance(String(value));
    this.settings.set(path, {
      type,
      value: initial,
      default: value,
      ...(type === 's' ? { min: 0, max: 0 } : limits),
    });
    this.export(path);
    this.save();
    return [ERR.ok, initial];
  }

  /** Bump `class:n` to the next number no other device of that class uses. */
  private freeInstance(requested: string): string {
    const [cls, n] = parseClassAndInstance(requested);
    if (cls === undefined || n === undefined) return requested;
    const taken = new Set<number>();
    for (const [path, stored] of this.settings) {
      if (!CLASS_AND_INSTANCE.test(path)) continue;
      const [otherCls, otherN] = parseClassAndInstance(stored.value);
      if (otherCls === cls && otherN !== undefined) taken.add(otherN);
    }
    let free = n;
    while (taken.has(free)) free++;
    return `${cls}:${free}`;
  }

  private addSettings(call: IncomingCall): { signature: string; body: unknown[] } {
    const base = call.path === '/' ? '' : call.path;
    const entries = (Array.isArray(call.body[0]) ? call.body[0] : []) as Record<string, unknown>[];
    const results = entries.map((entry) => {
      const rawPath = String(plain(entry.path) ?? '');
      const path = `${base}/${rawPath}`.replace(/\/+/g, '/');
      const def = entry.default instanceof Typed ? entry.default : new Typed('s', '');
      const [error, value] = this.add(path, def, entry.min, entry.max);
      const result: Record<string, Typed> = {
        error: new Typed('i', error),
        path: new Typed('s', rawPath),
      };
      if (value !== undefined)
        result.value = new Typed(this.settings.get(path)?.type ?? 's', value);
      return result;
    });
    return { signature: 'aa{sv}', body: [results] };
  }

  private addSetting(call: IncomingCall): { signature: string; body: unknown[] } {
    const [group, name, def, type, min, max] = call.body;
    const path = `/Settings/${String(group)}/${String(name)}`.replace(/\/+/g, '/');
    const raw = def instanceof Typed ? plain(def) : undefined;
    const sig = type === 'i' ? 'i' : type === 'f' ? 'd' : type === 's' ? 's' : '';
    if (!sig || raw === undefined) return { signature: 'i', body: [ERR.unknownType] };
    const value = sig === 's' ? String(raw) : Number(raw);
    return { signature: 'i', body: [this.add(path, new Typed(sig, value), min, max)[0]] };
  }

  private removeSettings(call: IncomingCall): { signature: string; body: unknown[] } {
    const paths = (Array.isArray(call.body[0]) ? call.body[0] : []) as string[];
    const codes = paths.map((path) => {
      if (!this.settings.delete(path)) return -1;
      this.service?.remove(path);
      return 0;
    });
    this.save();
    return { signature: 'ai', body: [codes] };
  }

  private attribute(call: IncomingCall, attr: 'GetMin' | 'GetMax' | 'GetDefault') {
    const stored = this.settings.get(call.path);
    if (!stored) return undefined;
    const value = attr === 'GetMin' ? stored.min : attr === 'GetMax' ? stored.max : stored.default;
    const type = attr === 'GetDefault' ? stored.type : stored.type === 's' ? 'i' : stored.type;
    return { signature: 'v', body: [new Typed(type, value)] };
  }
}
