/**
 * Match rules stay few per connection: this daemon allows only 9, so one rule per path or
 * per service would fail here (Venus allows 1024, and a flood can get the GX rebooted).
 */
import { plain } from '../../service/src/venus/values';
import { ServiceMonitor } from '../../service/src/venus/monitor';
import { SettingsClient } from '../../service/src/venus/settings';
import { BatteryMonitorStandIn } from '../../service/src/sim/battery-monitor';
import { DigitalInputStandIn } from '../../service/src/sim/digitalinput';
import { LocalSettingsStandIn } from '../../service/src/sim/localsettings';
import { until, usePrivateBus } from '../helpers/dbus';

const MAX_RULES = 9;
const bus = usePrivateBus({ maxMatchRulesPerConnection: MAX_RULES });

test('monitor and settings client share one connection with fewer than 10 match rules', async () => {
  const address = bus.address();
  const standIns = [
    new LocalSettingsStandIn({ address }),
    new BatteryMonitorStandIn({ address }),
    ...[1, 2, 3, 4].map((input) => new DigitalInputStandIn({ address, input })),
  ];
  for (const s of standIns) await s.start();
  try {
    const connection = await bus.connect();
    const monitor = new ServiceMonitor(connection);
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
      monitor.watch('com.victronenergy.battery.ttyS5', path, () => updates++);
    }
    for (const n of [1, 2, 3, 4]) {
      for (const path of ['/InputState', '/State', '/Alarm']) {
        monitor.watch(`com.victronenergy.digitalinput.input_${n}`, path, () => updates++);
      }
    }
    await until(() => updates >= 16, 'all watches served');
    expect(connection.matchRuleCount).toBeLessThan(10);

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
      console.log(
        `dbus-daemon counts ${String(counted.MatchRules)} match rules for the connection`,
      );
      if ('MatchRules' in counted) expect(counted.MatchRules).toBeLessThan(10);
    } catch {
      // Debug.Stats not compiled in: the limit of 9 above is the proof.
    }
  } finally {
    for (const s of standIns) await s.stop();
  }
});
