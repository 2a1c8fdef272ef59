/**
 * Follows other com.victronenergy.* services the way velib's dbusmonitor tracks a value: a
 * GetItems scan when a watched service appears, then signals only, through match rules
 * narrowed to what is watched (docs/performance.md). Per watched service: ItemsChanged on `/`
 * from that sender, and PropertiesChanged from that sender on each watched path (one
 * sender-wide PropertiesChanged rule instead beyond MAX_PATH_RULES paths), so at most
 * 1 + MAX_PATH_RULES rules per service, far below Venus's 1024 per connection. The daemon
 * then does not send us the traffic of services nobody watches, nor our own signals.
 * Only services somebody watches are scanned. The method calls themselves (GetItems, GetValue,
 * SetValue, ListNames, GetNameOwner) are in remote-calls.ts.
 */
import { BusCallError, Typed, type Bus, type BusSignal } from './bus-api';
import type { RemoteValues, ValueUpdate, VeValue } from './api';
import { BUSITEM, RemoteCalls } from './remote-calls';
import { plain, sameValue } from './values';

/** The connection-wide rule: appearances and departures of com.victronenergy.* names. */
export const MONITOR_RULES = [
  "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0namespace='com.victronenergy'",
];
/** Watched paths of one service with a PropertiesChanged rule each; beyond, one for all. */
export const MAX_PATH_RULES = 3;

/**
 * Services whose paths we watch are all set one by one, so they signal PropertiesChanged on
 * the path, and whose ItemsChanged carry only what we never watch. systemcalc
 * (dbus-systemcalc-py v2.256): `/Relay/<i>/State`, `/SwitchableOutput/<i>/...`,
 * `/Dc/Battery/BatteryService`, `/ActiveBmsService` and `/Control/Dvcc` are assigned
 * directly (velib `local_set_value` → PropertiesChanged), while its busy summed values
 * (`/Dc/Battery/*`, `/Ac/*`, `/Dc/Pv/*`, several a second) go out batched in a `with
 * service:` block (velib → ItemsChanged only). Following its ItemsChanged would decode all of
 * that for nothing: for these services, one PropertiesChanged rule per watched path only.
 */
export const PROPERTIES_ONLY = new Set(['com.victronenergy.system']);

/** The signal rules for the watched paths of one service (sender = its well-known name). */
export function serviceRules(service: string, paths: Iterable<string>): string[] {
  const base = `type='signal',sender='${service}',interface='${BUSITEM}'`;
  const list = [...paths].sort();
  const props = `${base},member='PropertiesChanged'`;
  if (PROPERTIES_ONLY.has(service)) return list.map((p) => `${props},path='${p}'`);
  return [
    `${base},member='ItemsChanged',path='/'`,
    ...(list.length > MAX_PATH_RULES ? [props] : list.map((p) => `${props},path='${p}'`)),
  ];
}

type Watcher = (update: ValueUpdate) => void;
type PresenceListener = (present: boolean) => void;
/** Several paths of one service: told once per signal, with the paths that changed. */
type GroupWatcher = (updates: Map<string, ValueUpdate>) => void;

interface Group {
  paths: Set<string>;
  onUpdates: GroupWatcher;
}

interface Tracked {
  owner: string | undefined;
  values: Map<string, VeValue | undefined>;
  watchers: Map<string, Set<Watcher>>;
  groups: Set<Group>;
  presence: Set<PresenceListener>;
  /** Bumped on every appearance, so a slow scan of a previous owner is ignored. */
  generation: number;
  /**
   * What we know is complete: the service is absent, or present and its scan answered.
   * Between an appearance and the end of its scan the values are not known yet: a new
   * watcher then waits for the scan (which tells everyone) instead of being told "present,
   * no value", which a line would take for an invalid reading.
   */
  known: boolean;
  /** Paths a signal changed while a scan ran: newer than (or as new as) its reply. */
  signalled?: Set<string>;
  /** The signal rules installed for this service. */
  rules: string[];
}

export interface ServiceMonitorOptions {
  timeoutMs?: number;
  log?: (message: string) => void;
  /** Problems that lose updates (a refused AddMatch); default: log. */
  warn?: (message: string) => void;
}

export class ServiceMonitor implements RemoteValues {
  private readonly services = new Map<string, Tracked>();
  private readonly byOwner = new Map<string, string>();
  private stopSignals: (() => void) | undefined;
  private readonly calls: RemoteCalls;
  private readonly log: (message: string) => void;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly bus: Bus,
    options: ServiceMonitorOptions = {},
  ) {
    this.log = options.log ?? (() => undefined);
    this.warn = options.warn ?? this.log;
    this.calls = new RemoteCalls(bus, options.timeoutMs ?? 5000, this.log);
  }

  async start(): Promise<void> {
    if (this.stopSignals) return;
    this.stopSignals = this.bus.onSignal((s) => this.onSignal(s));
    for (const rule of MONITOR_RULES) await this.bus.addMatch(rule);
  }

  stop(): void {
    this.stopSignals?.();
    this.stopSignals = undefined;
    for (const rule of MONITOR_RULES) void this.bus.removeMatch(rule).catch(() => undefined);
    for (const tracked of this.services.values()) {
      for (const rule of tracked.rules) void this.bus.removeMatch(rule).catch(() => undefined);
    }
    this.services.clear();
    this.byOwner.clear();
  }

  watch(service: string, path: string, onUpdate: Watcher): () => void {
    const tracked = this.track(service);
    let set = tracked.watchers.get(path);
    if (!set) tracked.watchers.set(path, (set = new Set()));
    set.add(onUpdate);
    this.updateRules(service, tracked);
    // "Soon after the call": the current knowledge, unless the first scan will tell.
    setImmediate(() => {
      if (set?.has(onUpdate) && tracked.known) onUpdate(this.current(tracked, path));
    });
    return () => {
      set?.delete(onUpdate);
    };
  }

  /**
   * Follow several paths of one service with one callback per signal (an ItemsChanged with
   * three watched paths is one call, not three): the current knowledge of every path soon
   * after the call, then the paths that changed. Returns an unsubscribe function.
   */
  watchMany(service: string, paths: string[], onUpdates: GroupWatcher): () => void {
    const tracked = this.track(service);
    const group: Group = { paths: new Set(paths), onUpdates };
    tracked.groups.add(group);
    this.updateRules(service, tracked);
    setImmediate(() => {
      if (tracked.groups.has(group) && tracked.known) this.tellGroup(tracked, group);
    });
    return () => {
      tracked.groups.delete(group);
    };
  }

  /** Present now (as far as NameOwnerChanged told us); tracks the service from now on. */
  isPresent(service: string): boolean {
    return this.track(service).owner !== undefined;
  }

  /** Called on every appearance/departure of a service (and once with the current state). */
  onPresence(service: string, listener: PresenceListener): () => void {
    const tracked = this.track(service);
    tracked.presence.add(listener);
    setImmediate(() => {
      if (tracked.presence.has(listener) && tracked.known) listener(tracked.owner !== undefined);
    });
    return () => tracked.presence.delete(listener);
  }

  /** Names on the bus starting with `prefix` (e.g. 'com.victronenergy.battery.'). */
  listServices(prefix: string): Promise<string[]> {
    return this.calls.listServices(prefix);
  }

  getValue(service: string, path: string): Promise<VeValue | undefined> {
    return this.calls.getValue(service, path);
  }

  setValue(service: string, path: string, value: number | string): Promise<boolean> {
    return this.calls.setValue(service, path, value);
  }

  private track(service: string): Tracked {
    let tracked = this.services.get(service);
    if (tracked) return tracked;
    tracked = {
      owner: undefined,
      values: new Map(),
      watchers: new Map(),
      groups: new Set(),
      presence: new Set(),
      generation: 0,
      known: false,
      rules: [],
    };
    this.services.set(service, tracked);
    const t = tracked;
    // Only "no owner" (or our own connection gone) means absent. Any other failure (a
    // timeout, a busy start-up) is asked again, a few times, before the service counts as
    // gone: a line must not turn unhealthy because one call failed.
    const ask = (attempt: number): void => {
      this.calls.nameOwner(service).then(
        ([owner]) => {
          if (t.generation === 0 && typeof owner === 'string') this.appeared(service, t, owner);
        },
        (err: unknown) => {
          if (t.generation !== 0 || this.services.get(service) !== t) return;
          const name = err instanceof BusCallError ? err.errorName : '';
          if (name.endsWith('.NameHasNoOwner') || name.endsWith('.Disconnected') || attempt >= 4) {
            this.left(service, t);
          } else {
            setTimeout(() => ask(attempt + 1), 200).unref?.();
          }
        },
      );
    };
    ask(0);
    return tracked;
  }

  /**
   * Install the rules for what is watched now (sent before the first GetItems scan of a
   * new service: the daemon handles our messages in order, so no change falls in between).
   * Rules of paths no longer watched are kept until stop(): watches are long-lived.
   */
  private updateRules(service: string, tracked: Tracked): void {
    const paths = new Set(tracked.watchers.keys());
    for (const g of tracked.groups) for (const p of g.paths) paths.add(p);
    const wanted = serviceRules(service, paths);
    const added = wanted.filter((r) => !tracked.rules.includes(r));
    if (added.length === 0) return;
    const dropped = tracked.rules.filter((r) => !wanted.includes(r));
    tracked.rules = wanted;
    for (const rule of added) {
      this.bus.addMatch(rule).catch((err: Error) => {
        this.warn(
          `monitor: AddMatch for ${service} failed, its changes will be missed: ${err.message}`,
        );
      });
    }
    for (const rule of dropped) void this.bus.removeMatch(rule).catch(() => undefined);
  }

  private tellGroup(tracked: Tracked, group: Group, only?: Set<string>): void {
    const updates = new Map<string, ValueUpdate>();
    for (const path of group.paths) {
      if (!only || only.has(path)) updates.set(path, this.current(tracked, path));
    }
    if (updates.size > 0) group.onUpdates(updates);
  }

  private tellAll(tracked: Tracked): void {
    for (const [path, set] of tracked.watchers) for (const w of set) w(this.current(tracked, path));
    for (const group of tracked.groups) this.tellGroup(tracked, group);
  }

  private current(tracked: Tracked, path: string): ValueUpdate {
    return {
      value: tracked.owner ? tracked.values.get(path) : undefined,
      present: tracked.owner !== undefined,
    };
  }

  private appeared(service: string, tracked: Tracked, owner: string): void {
    if (tracked.owner) this.byOwner.delete(tracked.owner);
    tracked.owner = owner;
    tracked.generation++;
    tracked.known = false;
    tracked.values.clear();
    this.byOwner.set(owner, service);
    void this.scan(service, tracked, tracked.generation);
  }

  private left(service: string, tracked: Tracked): void {
    if (tracked.owner) this.byOwner.delete(tracked.owner);
    const wasPresent = tracked.owner !== undefined;
    tracked.owner = undefined;
    tracked.generation++;
    tracked.known = true;
    tracked.values.clear();
    if (wasPresent) this.log(`monitor: ${service} left the bus`);
    for (const listener of tracked.presence) listener(false);
    this.tellAll(tracked);
  }

  /**
   * Every value of a service that appeared (RemoteCalls.readAll: GetItems, else GetValue on
   * `/`, else per watched path), kept unless a signal was newer; then everyone is told.
   */
  private async scan(service: string, tracked: Tracked, generation: number): Promise<void> {
    tracked.signalled = new Set();
    const found = await this.calls.readAll(service, () => tracked.watchers.keys());
    if (tracked.generation !== generation) return;
    // A signal handled while the scan ran is at least as new as the reply: a service signals
    // a change before it answers a later call, and a signal that arrived just after the
    // reply may be handled before this continuation. Keep the signalled value.
    const signalled = tracked.signalled;
    tracked.signalled = undefined;
    for (const [path, value] of found) if (!signalled?.has(path)) tracked.values.set(path, value);
    tracked.known = true;
    this.log(`monitor: ${service} scanned, ${found.size} paths`);
    for (const listener of tracked.presence) listener(true);
    this.tellAll(tracked);
  }

  private onSignal(s: BusSignal): void {
    if (s.member === 'NameOwnerChanged' && s.interface === 'org.freedesktop.DBus') {
      const [name, , newOwner] = s.body;
      const tracked = typeof name === 'string' ? this.services.get(name) : undefined;
      if (!tracked || typeof name !== 'string') return;
      if (typeof newOwner === 'string' && newOwner !== '') this.appeared(name, tracked, newOwner);
      else this.left(name, tracked);
      return;
    }
    if (s.interface !== BUSITEM) return;
    const service = this.byOwner.get(s.sender);
    const tracked = service ? this.services.get(service) : undefined;
    if (!tracked) return;
    const changed = new Set<string>();
    if (s.member === 'ItemsChanged') {
      const items = (s.body[0] ?? {}) as Record<string, Record<string, unknown>>;
      for (const path in items) {
        const props = items[path];
        if (props && 'Value' in props && this.changed(tracked, path, props.Value))
          changed.add(path);
      }
    } else if (s.member === 'PropertiesChanged') {
      const props = s.body[0] as Record<string, unknown> | undefined;
      if (props && 'Value' in props && this.changed(tracked, s.path, props.Value))
        changed.add(s.path);
    }
    if (changed.size === 0) return;
    for (const path of changed) {
      const set = tracked.watchers.get(path);
      if (set) for (const w of set) w(this.current(tracked, path));
    }
    for (const group of tracked.groups) this.tellGroup(tracked, group, changed);
  }

  /** Store a value; true when it changed (both signals carry a change: deliver it once). */
  private changed(tracked: Tracked, path: string, raw: unknown): boolean {
    const value = plain(raw instanceof Typed ? raw : undefined);
    tracked.signalled?.add(path);
    if (tracked.values.has(path) && sameValue(tracked.values.get(path), value)) return false;
    tracked.values.set(path, value);
    return true;
  }
}
