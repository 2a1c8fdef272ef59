/**
 * What the CLI commands share to reach the running service over D-Bus: which service (from
 * the config's bank name, or `--service`), a connection, and GetItems read as a plain map.
 */
import { loadConfigFile, resolveConfigPath } from '../config/load';
import { batteryServiceName } from '../config/problem';
import type { SmallBmsConfig } from '../config/types';
import { connectBus, type Bus } from '../venus/bus';
import { plain } from '../venus/values';
import type { VeValue } from '../venus/api';
import { option } from '../io';

export interface Item {
  value: VeValue | undefined;
  text: string;
}

/** The config if it loads (the CLI still works without one, with the default bank). */
export async function optionalConfig(argv: readonly string[]): Promise<SmallBmsConfig | null> {
  const result = await loadConfigFile(resolveConfigPath(argv, process.env));
  return result.ok ? result.config : null;
}

export async function targetService(argv: readonly string[]): Promise<string> {
  const explicit = option(argv, '--service');
  if (explicit) return explicit;
  const config = await optionalConfig(argv);
  return batteryServiceName(config?.name ?? 'Default');
}

export async function withBus<T>(fn: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await connectBus();
  try {
    return await fn(bus);
  } finally {
    bus.disconnect();
  }
}

/** GetItems on `/` of a service → path → {value, text}. */
export async function getItems(bus: Bus, service: string): Promise<Map<string, Item>> {
  const [dict] = await bus.call({
    destination: service,
    path: '/',
    interface: 'com.victronenergy.BusItem',
    member: 'GetItems',
    timeoutMs: 3000,
  });
  const out = new Map<string, Item>();
  for (const [path, entry] of Object.entries((dict ?? {}) as Record<string, unknown>)) {
    const e = entry as Record<string, unknown>;
    const text = plain(e.Text);
    out.set(path, { value: plain(e.Value), text: typeof text === 'string' ? text : '' });
  }
  return out;
}

/** A readable sentence for "the service is not there". */
export function notRunning(service: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/ServiceUnknown|NameHasNoOwner|was not provided/.test(message)) {
    return `${service} is not on D-Bus: is the service running? (svstat /service/dbus-smallbms)`;
  }
  if (/ENOENT|ECONNREFUSED/.test(message)) {
    return `cannot reach the D-Bus system bus (${message}); set DBUS_SYSTEM_BUS_ADDRESS?`;
  }
  return `cannot read ${service}: ${message}`;
}
