/**
 * One engine step per incoming signal, and the bounded rate of mirrored measurements
 * (service/src/app/mirror-rate.ts, docs/performance.md "Mirrored measurements").
 */
import { ManualClock } from '../../service/hw/clock';
import { Measurements } from '../../service/src/app/measurements';
import { MIRROR_INTERVAL_MS, MirrorRate } from '../../service/src/app/mirror-rate';
import { ServiceMonitor } from '../../service/src/venus/monitor';
import { BatteryMonitorStandIn } from '../../service/src/sim/battery-monitor';
import { sleep, until, usePrivateBus } from '../helpers/dbus';

describe('MirrorRate', () => {
  test('the first reading goes out at once, then at most one per interval, the newest last', () => {
    const clock = new ClockWithLog();
    const rate = new MirrorRate(clock, () => {
      clock.log.push(clock.now());
      rate.published();
    });
    rate.reading(); // t=0: at once
    expect(clock.log).toEqual([0]);
    clock.advance(500);
    rate.reading(); // held until t=MIRROR_INTERVAL_MS
    clock.advance(500);
    rate.reading(); // already due: no second timer
    expect(clock.log).toEqual([0]);
    clock.advance(MIRROR_INTERVAL_MS - 1001);
    expect(clock.log).toEqual([0]);
    clock.advance(1);
    expect(clock.log).toEqual([0, MIRROR_INTERVAL_MS]);
    clock.advance(MIRROR_INTERVAL_MS + 3000);
    rate.reading(); // the last publication is old: at once
    expect(clock.log).toEqual([0, MIRROR_INTERVAL_MS, 2 * MIRROR_INTERVAL_MS + 3000]);
  });

  test('another publication in between takes the held reading with it', () => {
    const clock = new ClockWithLog();
    const rate = new MirrorRate(clock, () => {
      clock.log.push(clock.now());
      rate.published();
    });
    rate.reading();
    clock.advance(100);
    rate.reading(); // held
    clock.advance(100);
    rate.published(); // e.g. a line changed: everything went out
    clock.advance(2 * MIRROR_INTERVAL_MS);
    expect(clock.log).toEqual([0]);
    rate.stop();
  });
});

class ClockWithLog extends ManualClock {
  readonly log: number[] = [];
}

describe('one engine step per signal', () => {
  const bus = usePrivateBus();

  test('a reading of SoC, voltage and current is one change for Measurements', async () => {
    const address = bus.address();
    const battery = new BatteryMonitorStandIn({ address, suffix: 'ttyS5' });
    await battery.start();
    const monitor = new ServiceMonitor(await bus.connect());
    await monitor.start();
    const groupCalls: string[][] = [];
    const unwatch = monitor.watchMany(
      'com.victronenergy.battery.ttyS5',
      ['/Soc', '/Dc/0/Voltage', '/Dc/0/Current'],
      (u) => groupCalls.push([...u.keys()].sort()),
    );
    let changes = 0;
    const m = new Measurements(
      { service: 'com.victronenergy.battery.ttyS5', staleTimeoutS: 0 },
      monitor,
      new ManualClock(),
      () => changes++,
    );
    try {
      m.start();
      await until(() => m.get().soc !== null && groupCalls.length > 0, 'first scan');
      await sleep(50);
      changes = 0;
      groupCalls.length = 0;
      for (let i = 1; i <= 5; i++) {
        battery.reading({ soc: 50 + i, voltage: 13 + i / 10, current: -i });
        await sleep(30);
      }
      await until(() => m.get().soc === 55, 'the last reading');
      await sleep(100);
      // An ItemsChanged with the three paths, then three PropertiesChanged repeating them.
      expect(changes).toBe(5);
      expect(groupCalls).toEqual(
        Array.from({ length: 5 }, () => ['/Dc/0/Current', '/Dc/0/Voltage', '/Soc']),
      );
      expect(m.get()).toEqual({ soc: 55, voltage: 13.5, current: -5 });
    } finally {
      unwatch();
      m.stop();
      monitor.stop();
      await battery.stop();
    }
  });
});
