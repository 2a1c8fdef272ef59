/**
 * One generic `com.victronenergy.BusItem` exporter: a table of paths served by a single
 * low-level method handler, behaving like velib_python's VeDbusService to every consumer
 * (GUI, systemcalc, dbus-flashmq, dbusmonitor, dbus-spy, dbus-send).
 */
import { Typed, type Bus, type IncomingCall } from './bus-api';
import {
  SET_NOT_WRITABLE,
  SET_OK,
  SET_REFUSED,
  assertItemPath,
  coerce,
  incomingValue,
  introspectXml,
  textOf,
  variantOf,
  withinRules,
  type ItemSpec,
  type ItemValue,
  type WriteRules,
} from './busitem-rules';
import { INVALID, sameValue } from './values';

export * from './busitem-rules';

export const BUSITEM = 'com.victronenergy.BusItem';
const INTROSPECTABLE = 'org.freedesktop.DBus.Introspectable';
const CORE_METHODS = new Set(['GetValue', 'GetText', 'SetValue', 'GetItems']);

export interface MethodResult {
  signature: string;
  body: unknown[];
}
/** An extra method (e.g. localsettings' AddSettings); undefined = not handled here. */
export type ExtraMethod = (call: IncomingCall) => MethodResult | Promise<MethodResult> | undefined;

export interface BusItemServiceOptions {
  /** SetValue code for a refused value: velib 2, localsettings -1. */
  refusedCode?: number;
  /** Told after a write from the bus was applied (persist /CustomName, /Mode, settings...). */
  onWrite?: (path: string, value: ItemValue) => void;
  /**
   * Signals per batch of changes: 'both' (default, ours: ItemsChanged and a PropertiesChanged
   * per path) or 'items' (ItemsChanged only, as veutil's C++ exporter and velib's
   * `with service as s:` context send them; for stand-ins of such services).
   */
  signals?: 'both' | 'items';
}

interface Item {
  spec: ItemSpec;
  value: ItemValue;
  /** The value consumers last heard about (GetItems baseline or last signal). */
  announced: ItemValue;
}

export class BusItemService {
  private readonly items = new Map<string, Item>();
  private readonly pending = new Set<string>();
  private readonly extraMethods = new Map<string, ExtraMethod>();
  private flushScheduled = false;
  private registered = false;
  private removeHandler: (() => void) | undefined;
  private readonly refusedCode: number;

  constructor(
    private readonly bus: Bus,
    readonly name: string,
    private readonly options: BusItemServiceOptions = {},
  ) {
    this.refusedCode = options.refusedCode ?? SET_REFUSED;
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  add(path: string, spec: ItemSpec): void {
    assertItemPath(path);
    if (this.items.has(path)) throw new Error(`${this.name}: path ${path} already exists`);
    for (const other of this.items.keys()) {
      if (other.startsWith(path + '/') || path.startsWith(other + '/')) {
        throw new Error(`${this.name}: ${path} would be both a value and a tree node (${other})`);
      }
    }
    const value = spec.value ?? null;
    this.items.set(path, { spec, value, announced: value });
    if (this.registered) this.markChanged(path);
  }

  /** Remove a path; consumers first hear it became invalid (as localsettings does). */
  remove(path: string): boolean {
    const item = this.items.get(path);
    if (!item) return false;
    this.items.delete(path);
    this.pending.delete(path);
    if (this.registered) {
      const change = { Value: INVALID, Text: new Typed('s', '') };
      this.bus.emitSignal('/', BUSITEM, 'ItemsChanged', 'a{sa{sv}}', [{ [path]: change }]);
      this.bus.emitSignal(path, BUSITEM, 'PropertiesChanged', 'a{sv}', [change]);
    }
    return true;
  }

  has(path: string): boolean {
    return this.items.has(path);
  }

  paths(): string[] {
    return [...this.items.keys()];
  }

  get(path: string): ItemValue {
    const item = this.items.get(path);
    if (!item) throw new Error(`${this.name}: no path ${path}`);
    return item.value;
  }

  /** Set a value from our side. Returns true when it changed (and a signal is queued). */
  set(path: string, value: ItemValue): boolean {
    const item = this.items.get(path);
    if (!item) throw new Error(`${this.name}: no path ${path}`);
    const stored = value === null ? null : coerce(item.spec.type, value);
    if (stored === undefined) {
      throw new Error(
        `${this.name}: ${path} is '${item.spec.type}', cannot hold ${JSON.stringify(value)}`,
      );
    }
    if (sameValue(item.value, stored)) return false;
    item.value = stored;
    if (this.registered) this.markChanged(path);
    return true;
  }

  /** Several values in one go; they leave in the same ItemsChanged. */
  setMany(values: Record<string, ItemValue>): void {
    for (const [path, value] of Object.entries(values)) this.set(path, value);
  }

  addMethod(member: string, handler: ExtraMethod): void {
    this.extraMethods.set(member, handler);
  }

  /** Serve the table, then take the name (DO_NOT_QUEUE): consumers scan once on arrival. */
  async register(): Promise<void> {
    if (this.registered) return;
    this.removeHandler = this.bus.addMethodHandler((call) => this.handle(call));
    try {
      await this.bus.requestName(this.name);
    } catch (err) {
      this.removeHandler();
      this.removeHandler = undefined;
      throw err;
    }
    for (const item of this.items.values()) item.announced = item.value;
    this.registered = true;
  }

  /** Send what is pending, give the name back and stop answering. */
  async close(): Promise<void> {
    this.flush();
    this.registered = false;
    this.removeHandler?.();
    this.removeHandler = undefined;
    try {
      await this.bus.releaseName(this.name);
    } catch {
      // The connection may already be gone; the daemon then released the name for us.
    }
  }

  /** Emit the batched changes now: one ItemsChanged on `/`, PropertiesChanged per leaf. */
  flush(): void {
    this.flushScheduled = false;
    if (!this.registered || this.pending.size === 0) return;
    const changes: Record<string, Record<string, Typed>> = {};
    for (const path of this.pending) {
      const item = this.items.get(path);
      if (!item || sameValue(item.value, item.announced)) continue;
      item.announced = item.value;
      changes[path] = this.properties(path, item);
    }
    this.pending.clear();
    const paths = Object.keys(changes);
    if (paths.length === 0) return;
    this.bus.emitSignal('/', BUSITEM, 'ItemsChanged', 'a{sa{sv}}', [changes]);
    if (this.options.signals === 'items') return;
    for (const path of paths) {
      this.bus.emitSignal(path, BUSITEM, 'PropertiesChanged', 'a{sv}', [changes[path]]);
    }
  }

  private markChanged(path: string): void {
    this.pending.add(path);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Everything set in the same tick of the event loop leaves in one ItemsChanged.
    setImmediate(() => this.flush());
  }

  private properties(path: string, item: Item): Record<string, Typed> {
    return {
      Value: variantOf(item.spec.type, item.value),
      Text: new Typed('s', textOf(path, item.spec, item.value)),
    };
  }

  private handle(call: IncomingCall): boolean {
    if (
      call.destination &&
      call.destination !== this.name &&
      call.destination !== this.bus.uniqueName
    ) {
      return false;
    }
    const { interface: iface, member, path } = call;
    if (member === 'Introspect' && (iface === '' || iface === INTROSPECTABLE)) {
      return this.introspect(call);
    }
    if (iface.startsWith('org.freedesktop.DBus.')) return false;
    if (!CORE_METHODS.has(member)) {
      const extra = this.extraMethods.get(member);
      return extra
        ? this.runExtra(call, extra)
        : iface === '' || iface === BUSITEM
          ? this.unknownMethod(call)
          : false;
    }
    if (iface !== '' && iface !== BUSITEM) return false;
    const item = this.items.get(path);
    if (item) return this.handleLeaf(call, path, item);
    const below = this.below(path);
    if (path !== '/' && below.length === 0) {
      this.bus.replyError(
        call,
        'org.freedesktop.DBus.Error.UnknownObject',
        `${this.name}: no object ${path}`,
      );
      return true;
    }
    if (member === 'GetValue' || member === 'GetText') {
      const text = member === 'GetText';
      const dict: Record<string, unknown> = {};
      const prefix = path === '/' ? '/' : path + '/';
      for (const [full, it] of below) {
        const key = full.slice(prefix.length);
        dict[key] = text ? textOf(full, it.spec, it.value) : variantOf(it.spec.type, it.value);
      }
      this.bus.reply(call, 'v', [new Typed(text ? 'a{ss}' : 'a{sv}', dict)]);
      return true;
    }
    if (member === 'GetItems' && path === '/') {
      const all: Record<string, Record<string, Typed>> = {};
      for (const [full, it] of this.items) all[full] = this.properties(full, it);
      this.bus.reply(call, 'a{sa{sv}}', [all]);
      return true;
    }
    return this.unknownMethod(call);
  }

  private handleLeaf(call: IncomingCall, path: string, item: Item): boolean {
    switch (call.member) {
      case 'GetValue':
        this.bus.reply(call, 'v', [variantOf(item.spec.type, item.value)]);
        return true;
      case 'GetText':
        this.bus.reply(call, 's', [textOf(path, item.spec, item.value)]);
        return true;
      case 'SetValue':
        void this.setFromBus(path, item, call).then(
          (code) => this.bus.reply(call, 'i', [code]),
          () => this.bus.reply(call, 'i', [this.refusedCode]),
        );
        return true;
      default:
        return this.unknownMethod(call);
    }
  }

  private async setFromBus(path: string, item: Item, call: IncomingCall): Promise<number> {
    const writable = item.spec.writable;
    if (!writable) return SET_NOT_WRITABLE;
    const rules: WriteRules = writable === true ? {} : writable;
    const incoming = incomingValue(call.signature, call.body);
    if (incoming === undefined) return SET_NOT_WRITABLE;
    let value: ItemValue;
    if (incoming === null) {
      if (!rules.allowInvalid) return SET_NOT_WRITABLE;
      value = null;
    } else {
      const coerced = coerce(item.spec.type, incoming);
      if (coerced === undefined) return SET_NOT_WRITABLE;
      value = coerced;
    }
    if (sameValue(value, item.value)) return SET_OK;
    if (value !== null && !withinRules(rules, value)) return this.refusedCode;
    if (rules.onSet && !(await rules.onSet(value, path))) return this.refusedCode;
    // The path may have been removed while the hook ran.
    if (this.items.get(path) !== item) return this.refusedCode;
    this.set(path, value);
    this.options.onWrite?.(path, value);
    return SET_OK;
  }

  private runExtra(call: IncomingCall, extra: ExtraMethod): boolean {
    let result: MethodResult | Promise<MethodResult> | undefined;
    try {
      result = extra(call);
    } catch (err) {
      this.bus.replyError(call, 'org.freedesktop.DBus.Error.Failed', String(err));
      return true;
    }
    if (result === undefined) return this.unknownMethod(call);
    Promise.resolve(result).then(
      (r) => this.bus.reply(call, r.signature, r.body),
      (err: unknown) => this.bus.replyError(call, 'org.freedesktop.DBus.Error.Failed', String(err)),
    );
    return true;
  }

  private unknownMethod(call: IncomingCall): boolean {
    const where = `${call.interface || '(no interface)'}.${call.member} on ${call.path}`;
    this.bus.replyError(
      call,
      'org.freedesktop.DBus.Error.UnknownMethod',
      `${this.name}: no method ${where}`,
    );
    return true;
  }

  private below(path: string): [string, Item][] {
    if (path === '/') return [...this.items];
    const prefix = path + '/';
    return [...this.items].filter(([p]) => p.startsWith(prefix));
  }

  private introspect(call: IncomingCall): boolean {
    const isLeaf = this.items.has(call.path);
    const below = isLeaf ? [] : this.below(call.path);
    if (!isLeaf && call.path !== '/' && below.length === 0) return false;
    const depth = call.path === '/' ? 1 : call.path.split('/').length;
    const children = [...new Set(below.map(([p]) => p.split('/')[depth]))];
    const kind = isLeaf ? 'leaf' : call.path === '/' ? 'root' : 'tree';
    this.bus.reply(call, 's', [introspectXml(kind, children)]);
    return true;
  }
}
