import type { RemoteValues, ValueUpdate, VeValue } from '../../service/src/venus/api';

type Watcher = { service: string; path: string; fn: (u: ValueUpdate) => void };

/**
 * In-memory D-Bus: services with paths, watchers notified on change (synchronously, like a
 * signal arriving), a log of SetValue calls, and switches to make writes or reads fail.
 */
export class FakeRemote implements RemoteValues {
  private readonly values = new Map<string, Map<string, VeValue | undefined>>();
  private readonly watchers = new Set<Watcher>();
  readonly writes: Array<{ service: string; path: string; value: number | string }> = [];
  readonly reads: Array<{ service: string; path: string }> = [];
  /** SetValue answers false for these "service path" keys. */
  readonly refuseWrites = new Set<string>();
  /** GetValue answers undefined (call failed) while true. */
  failReads = false;

  /** Put a service on the bus with some paths. */
  publish(service: string, paths: Record<string, VeValue | undefined>): void {
    const map = this.values.get(service) ?? new Map<string, VeValue | undefined>();
    this.values.set(service, map);
    for (const [p, v] of Object.entries(paths)) map.set(p, v);
    for (const w of this.watchers) if (w.service === service) w.fn(this.current(w.service, w.path));
  }

  /** Change one value (emits only when it changes, like Victron services). */
  set(service: string, path: string, value: VeValue | undefined): void {
    const map = this.values.get(service);
    if (map === undefined) throw new Error(`${service} is not on the bus`);
    if (map.get(path) === value) return;
    map.set(path, value);
    for (const w of this.watchers) {
      if (w.service === service && w.path === path) w.fn(this.current(service, path));
    }
  }

  /** The service leaves the bus. */
  remove(service: string): void {
    this.values.delete(service);
    for (const w of this.watchers)
      if (w.service === service) w.fn({ value: undefined, present: false });
  }

  peek(service: string, path: string): VeValue | undefined {
    return this.values.get(service)?.get(path);
  }

  writesTo(service: string, path: string): Array<number | string> {
    return this.writes.filter((w) => w.service === service && w.path === path).map((w) => w.value);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  watch(service: string, path: string, onUpdate: (update: ValueUpdate) => void): () => void {
    const w: Watcher = { service, path, fn: onUpdate };
    this.watchers.add(w);
    onUpdate(this.current(service, path));
    return () => this.watchers.delete(w);
  }

  getValue(service: string, path: string): Promise<VeValue | undefined> {
    this.reads.push({ service, path });
    return Promise.resolve(this.failReads ? undefined : this.peek(service, path));
  }

  setValue(service: string, path: string, value: number | string): Promise<boolean> {
    this.writes.push({ service, path, value });
    const map = this.values.get(service);
    if (map === undefined || this.refuseWrites.has(`${service} ${path}`)) {
      return Promise.resolve(false);
    }
    this.set(service, path, value);
    return Promise.resolve(true);
  }

  private current(service: string, path: string): ValueUpdate {
    const map = this.values.get(service);
    return { value: map?.get(path), present: map !== undefined };
  }
}
