/**
 * The GX's time zone for the CLI: localsettings' /Settings/System/TimeZone over D-Bus (as
 * the service and the console use it), else `TZ`, else /etc/localtime, else UTC (local-time.ts).
 * Bounded: a bus that does not answer costs at most ~2 s, then the fallback is used.
 */
import { TIME_ZONE_SETTING, resolveZone, type Zone } from '../local-time';
import { SETTINGS_SERVICE } from '../venus/settings';
import { plain } from '../venus/values';
import { withBus } from './remote';

export async function gxZone(): Promise<Zone> {
  const read = withBus(async (bus) => {
    const [v] = await bus.call({
      destination: SETTINGS_SERVICE,
      path: TIME_ZONE_SETTING,
      interface: 'com.victronenergy.BusItem',
      member: 'GetValue',
      timeoutMs: 1500,
    });
    const value = plain(v);
    return typeof value === 'string' ? value : undefined;
  }).catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 2000);
  });
  const setting = await Promise.race([read, timeout]);
  clearTimeout(timer);
  return resolveZone(setting);
}
