/** The service monitor (RemoteValues) following stand-ins on a private dbus-daemon. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ValueUpdate } from '../../service/src/venus/api';
import { Typed, type Bus } from '../../service/src/venus/bus';
import { ServiceMonitor } from '../../service/src/venus/monitor';
import { BatteryMonitorStandIn } from '../../service/src/sim/battery-monitor';
import { DigitalInputStandIn } from '../../service/src/sim/digitalinput';
import { LocalSettingsStandIn } from '../../service/src/sim/localsettings';
import { SystemcalcStandIn } from '../../service/src/sim/systemcalc';
import { DummyService } from '../../service/src/sim/dummy-service';
import { sleep, until, usePrivateBus } from '../helpers/dbus';

const bus = usePrivateBus();
const BATTERY = 'com.victronenergy.battery.ttyS5';
const stoppers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const stop of stoppers.splice(0).reverse()) await stop();
});

async function monitor(): Promise<ServiceMonitor> {
  const m = new ServiceMonitor(await bus.connect(), { timeoutMs: 2000 });
  await m.start();
  stoppers.push(async () => m.stop());
  return m;
}

async function started<T extends { start(): Promise<void>; stop(): Promise<void> }>(
  standIn: T,
): Promise<T> {
  await standIn.start();
  stoppers.push(() => standIn.stop());
  return standIn;
}

describe('ServiceMonitor', () => {
  test('a battery monitor starting after us, leaving (values absent) and returning', async () => {
    const m = await monitor();
    const updates: ValueUpdate[] = [];
    m.watch(BATTERY, '/Soc', (u) => updates.push(u));
    await until(() => updates.length === 1, 'first update');
    expect(updates[0]).toEqual({ value: undefined, present: false });

    const battery = new BatteryMonitorStandIn({ address: bus.address(), soc: 80 });
    await battery.start();
    await until(() => updates.length === 2, 'appearance');
    expect(updates[1]).toEqual({ value: 80, present: true });
    expect(m.isPresent(BATTERY)).toBe(true);

    battery.reading({ soc: 70.5, current: -12 });
    await until(() => updates.length === 3, 'change');
    expect(updates[2]).toEqual({ value: 70.5, present: true });
    await sleep(100);
    expect(updates).toHaveLength(3); // ItemsChanged + PropertiesChanged = one update

    await battery.stop();
    await until(() => updates.length === 4, 'departure');
    expect(updates[3]).toEqual({ value: undefined, present: false });
    expect(await m.getValue(BATTERY, '/Soc')).toBeUndefined();

    await started(new BatteryMonitorStandIn({ address: bus.address(), soc: 55 }));
    await until(() => updates.length === 5, 'return');
    expect(updates[4]).toEqual({ value: 55, present: true });
  });

  test('a service already present is scanned once; watchers on one service share it', async () => {
    const battery = await started(
      new BatteryMonitorStandIn({ address: bus.address(), voltage: 26.1 }),
    );
    const m = await monitor();
    const volts: ValueUpdate[] = [];
    const current: ValueUpdate[] = [];
    m.watch(BATTERY, '/Dc/0/Voltage', (u) => volts.push(u));
    m.watch(BATTERY, '/Dc/0/Current', (u) => current.push(u));
    await until(() => volts.length > 0 && current.length > 0, 'scan');
    expect(volts.at(-1)).toEqual({ value: 26.1, present: true });
    battery.reading({ voltage: null });
    await until(() => volts.at(-1)?.value === undefined, 'invalid value');
    expect(volts.at(-1)).toEqual({ value: undefined, present: true });
    expect(await m.getValue(BATTERY, '/DeviceInstance')).toBe(279);
    expect(await m.listServices('com.victronenergy.battery.')).toEqual([BATTERY]);
  });

  test('old services without GetItems are scanned with GetValue on /', async () => {
    const producer: Bus = await bus.connect();
    producer.addMethodHandler((call) => {
      if (call.member === 'GetValue' && call.path === '/') {
        producer.reply(call, 'v', [
          new Typed('a{sv}', { DeviceInstance: new Typed('i', 3), Soc: new Typed('d', 42) }),
        ]);
        return true;
      }
      return false; // GetItems → dbus-next answers UnknownMethod
    });
    await producer.requestName('com.victronenergy.battery.old');
    const m = await monitor();
    const updates: ValueUpdate[] = [];
    m.watch('com.victronenergy.battery.old', '/Soc', (u) => updates.push(u));
    await until(() => updates.length > 0, 'scan');
    expect(updates[0]).toEqual({ value: 42, present: true });
  });

  test('a service that appeared but has not answered its scan is not reported as "present, no value"', async () => {
    // A service that owns its name and answers its scan only when the test says so.
    const producer: Bus = await bus.connect();
    const held: (() => void)[] = [];
    producer.addMethodHandler((call) => {
      if (call.member !== 'GetItems') return false;
      held.push(() =>
        producer.reply(call, 'a{sa{sv}}', [{ '/Io/AllowToCharge': { Value: new Typed('i', 1) } }]),
      );
      return true;
    });
    const SLOW = 'com.victronenergy.battery.slow';
    await producer.requestName(SLOW);
    const m = await monitor();
    // The name owner is known (the scan is under way) before the watchers come: the race a
    // line met on a busy start, when the GetNameOwner reply came before the watch's report.
    const presence: boolean[] = [];
    m.onPresence(SLOW, (p) => presence.push(p));
    await until(() => held.length === 1, 'scan asked');
    const updates: ValueUpdate[] = [];
    const groups: Map<string, ValueUpdate>[] = [];
    m.watch(SLOW, '/Io/AllowToCharge', (u) => updates.push(u));
    m.watchMany(SLOW, ['/Io/AllowToCharge'], (g) => groups.push(g));
    await sleep(200);
    expect(updates).toEqual([]); // 0.3.0 said { value: undefined, present: true } here
    expect(groups).toEqual([]);
    expect(presence).toEqual([]);
    held[0]!();
    await until(() => updates.length === 1 && groups.length === 1, 'scan answered');
    expect(updates[0]).toEqual({ value: 1, present: true });
    expect(groups[0]!.get('/Io/AllowToCharge')).toEqual({ value: 1, present: true });
    expect(presence).toEqual([true]);
    // Once known, a new watcher is told at once.
    const late: ValueUpdate[] = [];
    m.watch(SLOW, '/Io/AllowToCharge', (u) => late.push(u));
    await until(() => late.length === 1, 'late watcher');
    expect(late[0]).toEqual({ value: 1, present: true });
    producer.disconnect();
  });

  test('setValue through systemcalc: a relay switches and its gpio file follows; a disabled relay refuses', async () => {
    const gpioRoot = mkdtempSync(join(tmpdir(), 'smallbms-gpio-'));
    await started(new LocalSettingsStandIn({ address: bus.address() }));
    const sys = await started(new SystemcalcStandIn({ address: bus.address(), gpioRoot }));
    await until(() => sys.relayFunction(1) === 2, 'relay settings');
    const m = await monitor();
    expect(await m.setValue('com.victronenergy.system', '/Relay/1/State', 1)).toBe(true);
    expect(readFileSync(join(gpioRoot, 'relay_2', 'value'), 'utf8').trim()).toBe('1');
    // relaystate.py refuses writes only to a disabled relay (function -1), not by function.
    expect(await m.setValue('com.victronenergy.settings', '/Settings/Relay/Function', -1)).toBe(
      true,
    );
    await until(() => sys.relayFunction(0) === -1, 'relay 1 disabled');
    expect(await m.setValue('com.victronenergy.system', '/Relay/0/State', 1)).toBe(false);
    expect(readFileSync(join(gpioRoot, 'relay_1', 'value'), 'utf8').trim()).toBe('0');
    expect(await m.setValue('com.victronenergy.settings', '/Settings/Relay/Function', 0)).toBe(
      true,
    );
    await until(() => sys.relayFunction(0) === 0, 'relay 1 alarm');
    expect(await m.setValue('com.victronenergy.system', '/SwitchableOutput/0/State', 1)).toBe(true);
    expect(readFileSync(join(gpioRoot, 'relay_1', 'value'), 'utf8').trim()).toBe('1');
    expect(sys.relayState(0)).toBe(1);
    expect(await m.setValue('com.victronenergy.system', '/Buzzer/State', 1)).toBe(true);
    expect(await m.setValue('com.victronenergy.system', '/Buzzer/State', 2)).toBe(false);
  });

  test('a manual relay is restored from InitialState when systemcalc starts', async () => {
    const gpioRoot = mkdtempSync(join(tmpdir(), 'smallbms-gpio-'));
    await started(
      new LocalSettingsStandIn({
        address: bus.address(),
        initial: { '/Settings/Relay/1/InitialState': 1 },
      }),
    );
    const sys = await started(new SystemcalcStandIn({ address: bus.address(), gpioRoot }));
    await until(() => sys.relayState(1) === 1, 'relay restored');
    expect(readFileSync(join(gpioRoot, 'relay_2', 'value'), 'utf8').trim()).toBe('1');
  });

  test('digital input edges arrive as signals', async () => {
    const input = await started(new DigitalInputStandIn({ address: bus.address(), input: 2 }));
    const m = await monitor();
    const updates: ValueUpdate[] = [];
    m.watch('com.victronenergy.digitalinput.input_2', '/InputState', (u) => updates.push(u));
    await until(() => updates.length === 1, 'scan');
    input.setInput(0);
    await until(() => updates.length === 2, 'edge');
    expect(updates.map((u) => u.value)).toEqual([1, 0]);
  });

  test('every stand-in passes the consumer checks (mandatory paths present at NameOwnerChanged)', async () => {
    const address = bus.address();
    const standIns = [
      new BatteryMonitorStandIn({ address }),
      new DigitalInputStandIn({ address, input: 1 }),
      new SystemcalcStandIn({ address, relays: 2 }),
      new DummyService({
        address,
        name: 'com.victronenergy.switch.gxio_ttyS0',
        paths: {
          '/SwitchableOutput/0/State': { type: 'i', value: 0, writable: { values: [0, 1] } },
        },
      }),
    ];
    const m = await monitor();
    const scanned: Record<string, ValueUpdate> = {};
    for (const s of standIns) m.watch(s.name, '/DeviceInstance', (u) => (scanned[s.name] = u));
    await sleep(50);
    for (const s of standIns) await started(s);
    await until(
      () => Object.values(scanned).filter((u) => u.present).length === standIns.length,
      'scans',
    );
    for (const s of standIns) {
      expect(typeof scanned[s.name].value).toBe('number');
      expect(await m.getValue(s.name, '/Connected')).toBe(1);
      expect(await m.getValue(s.name, '/ProductName')).toEqual(expect.any(String));
      expect(await m.getValue(s.name, '/Mgmt/Connection')).toEqual(expect.any(String));
    }
    expect(
      await m.setValue('com.victronenergy.switch.gxio_ttyS0', '/SwitchableOutput/0/State', 1),
    ).toBe(true);
  });
});
