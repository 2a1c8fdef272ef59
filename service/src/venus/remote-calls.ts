/**
 * One-shot method calls on other services, for the monitor (monitor.ts): velib's
 * com.victronenergy.BusItem GetValue, SetValue and GetItems, and the daemon's ListNames and
 * GetNameOwner. No state and no signals: following a service over time is the monitor's.
 * A value that cannot be read is undefined and a refused write is false, never a throw.
 */
import type { Bus } from './bus-api';
import type { VeValue } from './api';
import { plain, typed } from './values';

export const BUSITEM = 'com.victronenergy.BusItem';
export const DBUS = {
  destination: 'org.freedesktop.DBus',
  path: '/org/freedesktop/DBus',
  interface: 'org.freedesktop.DBus',
};

export class RemoteCalls {
  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
    private readonly log: (message: string) => void,
  ) {}

  /** Names on the bus starting with `prefix` (e.g. 'com.victronenergy.battery.'). */
  async listServices(prefix: string): Promise<string[]> {
    const [names] = await this.bus.call({
      ...DBUS,
      member: 'ListNames',
      timeoutMs: this.timeoutMs,
    });
    return (Array.isArray(names) ? (names as string[]) : [])
      .filter((n) => n.startsWith(prefix))
      .sort();
  }

  /** The unique name that owns `service`; rejects when nobody does. */
  nameOwner(service: string): Promise<unknown[]> {
    return this.bus.call({
      ...DBUS,
      member: 'GetNameOwner',
      signature: 's',
      body: [service],
      timeoutMs: this.timeoutMs,
    });
  }

  async getValue(service: string, path: string): Promise<VeValue | undefined> {
    try {
      const [value] = await this.bus.call({
        destination: service,
        path,
        interface: BUSITEM,
        member: 'GetValue',
        timeoutMs: this.timeoutMs,
      });
      return plain(value);
    } catch {
      return undefined;
    }
  }

  async setValue(service: string, path: string, value: number | string): Promise<boolean> {
    try {
      const [code] = await this.bus.call({
        destination: service,
        path,
        interface: BUSITEM,
        member: 'SetValue',
        signature: 'v',
        body: [typed(value)],
        timeoutMs: this.timeoutMs,
      });
      return code === 0;
    } catch (err) {
      this.log(`monitor: SetValue ${service} ${path} failed: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * Every value of a service: GetItems on `/`; else GetValue on `/` (relative keys); else a
   * GetValue of each path of `fallback()` (asked only then).
   */
  async readAll(
    service: string,
    fallback: () => Iterable<string>,
  ): Promise<Map<string, VeValue | undefined>> {
    const found = new Map<string, VeValue | undefined>();
    const call = (path: string, member: string) =>
      this.bus.call({
        destination: service,
        path,
        interface: BUSITEM,
        member,
        timeoutMs: this.timeoutMs,
      });
    try {
      const [items] = await call('/', 'GetItems');
      for (const [path, props] of Object.entries(
        (items ?? {}) as Record<string, Record<string, unknown>>,
      )) {
        found.set(path, plain(props?.Value));
      }
    } catch {
      try {
        const [root] = await call('/', 'GetValue');
        const dict = plain(root);
        if (dict === undefined || typeof dict !== 'object' || Array.isArray(dict))
          throw new Error('no dict');
        for (const [key, value] of Object.entries(dict))
          found.set('/' + key, value as VeValue | undefined);
      } catch {
        for (const path of fallback()) found.set(path, await this.getValue(service, path));
      }
    }
    return found;
  }
}
