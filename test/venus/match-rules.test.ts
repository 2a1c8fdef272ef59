/**
 * Match rules are narrowed to what is watched (docs/performance.md): per watched service an
 * ItemsChanged rule on `/` and a PropertiesChanged rule per watched path (one for the whole
 * sender beyond MAX_PATH_RULES), as velib's dbusmonitor tracks a value. So the connection
 * holds a handful of rules per watched service, far below Venus's 1024, and the daemon does
 * not send us the traffic of other services nor our own signals.
 */
import type { BusSignal } from '../../service/src/venus/bus';
import { BusItemService } from '../../service/src/venus/busitem';
import { plain } from '../../service/src/venus/values';
import { MAX_PATH_RULES, ServiceMonitor } from '../../service/src/venus/monitor';
import { SettingsClient } from '../../service/src/venus/settings';
import { BatteryMonitorStandIn } from '../../service/src/sim/battery-monitor';
import { DigitalInputStandIn } from '../../service/src/sim/digitalinput';
import { DummyService } from '../../service/src/sim/dummy-service';
import { LocalSettingsStandIn } from '../../service/src/sim/localsettings';
import { sleep, until, usePrivateBus } from '../helpers/dbus';

/** Low enough that a rule per path of every service, or a leak of rules, fails here. */
const MAX_RULES = 30;
const bus = usePrivateBus({ maxMatchRulesPerConnection: MAX_RULES });
const BATTERY = 'com.victronenergy.battery.ttyS5';

test('monitor and settings client: a handful of rules per watched service', async () => {
  const address = bus.address();
  const standIns = [
    new LocalSettingsStandIn({ address }),
    new BatteryMonitorStandIn({ address }),
    ...[1, 2, 3, 4].map((input) => new DigitalInputStandIn({ address, input })),
  ];
  for (const s of standIns) await s.start();
  const failures: string[] = [];
  try {
    const connection = await bus.connect();
    const monitor = new ServiceMonitor(connection, {
      log: (m) => {
        if (m.includes('AddMatch')) failures.push(m);
      },
    });
    const settings = new SettingsClient(connection);
    await monitor.start();
    await settings.start();
    await settings.add(
      Array.from({ length: 20 }, (_, i) => ({
        path: `/Settings/SmallBms/Default/T${i}`,
        default: i,
      })),
    );
    let updates = 0;
    for (const path of ['/Soc', '/Dc/0/Voltage', '/Dc/0/Current', '/Dc/0/Power']) {
      monitor.watch(BATTERY, path, () => updates++);
    }
    for (const n of [1, 2, 3, 4]) {
      for (const path of ['/InputState', '/State', '/Alarm']) {
        monitor.watch(`com.victronenergy.digitalinput.input_${n}`, path, () => updates++);
      }
    }
    await until(() => updates >= 16, 'all watches served');
    await sleep(100);
    expect(failures).toEqual([]);
    // NameOwnerChanged + 3 of the settings client + at most 1 + MAX_PATH_RULES per service.
    const bound = 1 + 3 + 5 * (1 + MAX_PATH_RULES);
    expect(connection.matchRuleCount).toBeLessThanOrEqual(bound);
    expect(bound).toBeLessThan(MAX_RULES);

    // The daemon's own count, when it was built with statistics.
    try {
      const [stats] = await connection.call({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus.Debug.Stats',
        member: 'GetConnectionStats',
        signature: 's',
        body: [connection.uniqueName],
      });
      const counted = (plain(stats) ?? {}) as Record<string, unknown>;
      if ('MatchRules' in counted) expect(counted.MatchRules).toBeLessThanOrEqual(bound);
    } catch {
      // Debug.Stats not compiled in: the daemon's limit above is the proof.
    }
  } finally {
    for (const s of standIns) await s.stop();
  }
});

test('only watched services reach us: not other services, not our own signals', async () => {
  const address = bus.address();
  const battery = new BatteryMonitorStandIn({ address, suffix: 'ttyS5' });
  const other = new DummyService({
    address,
    name: 'com.victronenergy.vebus.ttyS4',
    paths: { '/Ac/Out/L1/P': { type: 'd', value: 0 } },
  });
  await battery.start();
  await other.start();
  const connection = await bus.connect();
  const own = new BusItemService(connection, 'com.victronenergy.battery.smallbms_test');
  own.add('/Soc', { type: 'd', value: 1 });
  await own.register();
  const monitor = new ServiceMonitor(connection);
  try {
    const seen: BusSignal[] = [];
    connection.onSignal((s) => {
      if (s.interface === 'com.victronenergy.BusItem') seen.push(s);
    });
    await monitor.start();
    const socs: unknown[] = [];
    monitor.watch(BATTERY, '/Soc', (u) => socs.push(u.value));
    await until(() => socs.length > 0, 'first scan');
    seen.length = 0;

    for (let i = 1; i <= 5; i++) {
      other.set('/Ac/Out/L1/P', 100 + i);
      own.set('/Soc', 10 + i);
      battery.reading({ temperature: 20 + i });
      battery.reading({ soc: 50 + i });
      await sleep(20);
    }
    await until(() => socs.includes(55), 'the last SoC');
    await sleep(100);
    const owners = new Set(seen.map((s) => s.sender));
    expect(owners.has(connection.uniqueName)).toBe(false);
    expect(owners.size).toBe(1);
    // From the battery: ItemsChanged on `/` (all its batches) and PropertiesChanged of /Soc
    // only, not of /Dc/0/Temperature.
    const props = seen.filter((s) => s.member === 'PropertiesChanged').map((s) => s.path);
    expect(new Set(props)).toEqual(new Set(['/Soc']));
    expect(seen.filter((s) => s.member === 'ItemsChanged').length).toBeGreaterThanOrEqual(5);
  } finally {
    monitor.stop();
    await own.close();
    await other.stop();
    await battery.stop();
  }
});

test('systemcalc: only PropertiesChanged of the watched paths, never its batched ItemsChanged', async () => {
  const address = bus.address();
  // Both signals, like our exporter: what reaches us must still be the watched paths only.
  const system = new DummyService({
    address,
    name: 'com.victronenergy.system',
    paths: {
      '/Relay/0/State': { type: 'i', value: 1 },
      '/Dc/Battery/Voltage': { type: 'd', value: 13 },
      '/Ac/Consumption/L1/Power': { type: 'd', value: 0 },
    },
  });
  await system.start();
  const connection = await bus.connect();
  const monitor = new ServiceMonitor(connection);
  try {
    const seen: BusSignal[] = [];
    connection.onSignal((s) => {
      if (s.interface === 'com.victronenergy.BusItem') seen.push(s);
    });
    await monitor.start();
    const states: unknown[] = [];
    monitor.watch('com.victronenergy.system', '/Relay/0/State', (u) => states.push(u.value));
    await until(() => states.length > 0, 'first scan');
    seen.length = 0;
    for (let i = 1; i <= 5; i++) {
      system.setMany({ '/Dc/Battery/Voltage': 13 + i / 10, '/Ac/Consumption/L1/Power': 100 * i });
      await sleep(10);
    }
    system.set('/Relay/0/State', 0);
    await until(() => states.includes(0), 'the relay change');
    await sleep(100);
    expect(seen.filter((s) => s.member === 'ItemsChanged')).toEqual([]);
    expect(new Set(seen.map((s) => s.path))).toEqual(new Set(['/Relay/0/State']));
  } finally {
    monitor.stop();
    await system.stop();
  }
});
