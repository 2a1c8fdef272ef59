/**
 * The BusItem exporter seen from a second connection, the way Victron's consumers
 * (dbusmonitor, dbus-flashmq, veutil, dbus-send) see it.
 */
import { Typed, NameTakenError, type Bus, type BusSignal } from '../../service/src/venus/bus';
import { BusItemService } from '../../service/src/venus/busitem';
import { plain } from '../../service/src/venus/values';
import { sleep, until, usePrivateBus } from '../helpers/dbus';

const NAME = 'com.victronenergy.battery.smallbms';
const bus = usePrivateBus();

function makeService(producer: Bus, name = NAME): BusItemService {
  const svc = new BusItemService(producer, name);
  svc.add('/DeviceInstance', { type: 'i', value: 512 });
  svc.add('/ProductId', { type: 'i', value: 0xba77 });
  svc.add('/Soc', { type: 'd', value: 54.2, text: (v) => `${v}%` });
  svc.add('/Dc/0/Voltage', { type: 'd', value: 26.5 });
  svc.add('/Dc/0/Current', { type: 'd', value: null });
  svc.add('/CustomName', { type: 's', value: '', writable: true });
  svc.add('/Mode', { type: 'i', value: 3, writable: { values: [3, 252] } });
  svc.add('/Settings/Limit', { type: 'd', value: 10, writable: { min: 0, max: 100 } });
  return svc;
}

async function call(
  consumer: Bus,
  path: string,
  member: string,
  extra: Partial<Parameters<Bus['call']>[0]> = {},
) {
  return consumer.call({
    destination: NAME,
    path,
    interface: 'com.victronenergy.BusItem',
    member,
    ...extra,
  });
}

function record(consumer: Bus): BusSignal[] {
  const seen: BusSignal[] = [];
  consumer.onSignal((s) => {
    if (s.interface === 'com.victronenergy.BusItem') seen.push(s);
  });
  return seen;
}

async function listen(consumer: Bus): Promise<BusSignal[]> {
  await consumer.addMatch(
    "type='signal',interface='com.victronenergy.BusItem',member='ItemsChanged'",
  );
  await consumer.addMatch(
    "type='signal',interface='com.victronenergy.BusItem',member='PropertiesChanged'",
  );
  return record(consumer);
}

describe('BusItemService', () => {
  test('a consumer sees NameOwnerChanged, scans with GetItems (absolute keys), then gets signals only', async () => {
    const producer = await bus.connect();
    const consumer = await bus.connect();
    await consumer.addMatch(
      "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'",
    );
    const signals = await listen(consumer);
    let items: Record<string, unknown> | undefined;
    consumer.onSignal((s) => {
      if (s.member === 'NameOwnerChanged' && s.body[0] === NAME && s.body[2] !== '') {
        // Scan right at NameOwnerChanged, like dbusmonitor: everything must already be there.
        void call(consumer, '/', 'GetItems').then(([r]) => (items = r as Record<string, unknown>));
      }
    });
    const svc = makeService(producer);
    await svc.register();
    await until(() => items !== undefined, 'GetItems reply');
    const all = items as Record<string, Record<string, Typed>>;
    expect(plain(all['/DeviceInstance'].Value)).toBe(512);
    expect(plain(all['/Soc'].Value)).toBe(54.2);
    expect(plain(all['/Soc'].Text)).toBe('54.2%');
    expect(all['/Dc/0/Current'].Value).toEqual(new Typed('ai', []));
    expect(plain(all['/Dc/0/Current'].Text)).toBe('---');
    expect(plain(all['/ProductId'].Text)).toBe('0xBA77');

    svc.set('/Soc', 55);
    svc.setMany({ '/Dc/0/Voltage': 26.6, '/Dc/0/Current': -3.5 });
    await until(() => signals.length >= 4, 'signals');
    await sleep(50);
    const batches = signals.filter((s) => s.member === 'ItemsChanged');
    expect(batches).toHaveLength(1);
    expect(batches[0].path).toBe('/');
    const batch = batches[0].body[0] as Record<string, Record<string, Typed>>;
    expect(Object.keys(batch).sort()).toEqual(['/Dc/0/Current', '/Dc/0/Voltage', '/Soc']);
    expect(plain(batch['/Soc'].Value)).toBe(55);
    expect(batch['/Soc'].Value.signature).toBe('d');
    const leaf = signals.filter((s) => s.member === 'PropertiesChanged').map((s) => s.path);
    expect(leaf.sort()).toEqual(['/Dc/0/Current', '/Dc/0/Voltage', '/Soc']);
    await svc.close();
  });

  test('GetValue/GetText on / and on a tree node give relative keys', async () => {
    const svc = makeService(await bus.connect());
    await svc.register();
    const consumer = await bus.connect();
    const [root] = (await call(consumer, '/', 'GetValue')) as [Typed];
    expect(root.signature).toBe('a{sv}');
    const rootValues = plain(root) as Record<string, unknown>;
    expect(rootValues['Dc/0/Voltage']).toBe(26.5);
    expect(rootValues['Dc/0/Current']).toEqual([]);
    const [node] = (await call(consumer, '/Dc', 'GetValue')) as [Typed];
    expect(plain(node)).toEqual({ '0/Voltage': 26.5, '0/Current': [] });
    const [text] = (await call(consumer, '/Dc/0', 'GetText')) as [Typed];
    expect(plain(text)).toEqual({ Voltage: '26.5', Current: '---' });
    const [leafText] = await call(consumer, '/Settings/Limit', 'GetText');
    expect(leafText).toBe('10.0');
    await svc.close();
  });

  test('SetValue: int to a double path is coerced; bad range, wrong type and read-only are refused', async () => {
    const svc = makeService(await bus.connect());
    await svc.register();
    const consumer = await bus.connect();
    const signals = await listen(consumer);
    const set = async (path: string, v: Typed) =>
      (await call(consumer, path, 'SetValue', { signature: 'v', body: [v] }))[0];

    expect(await set('/Settings/Limit', new Typed('i', 42))).toBe(0);
    const [stored] = (await call(consumer, '/Settings/Limit', 'GetValue')) as [Typed];
    expect(stored).toEqual(new Typed('d', 42));
    await until(() => signals.length === 2, 'change signals');

    expect(await set('/Settings/Limit', new Typed('d', 101))).toBe(2);
    expect(await set('/Settings/Limit', new Typed('s', '50'))).toBe(1);
    expect(await set('/Settings/Limit', new Typed('ai', []))).toBe(1);
    expect(await set('/Mode', new Typed('i', 4))).toBe(2);
    expect(await set('/Mode', new Typed('d', 3.5))).toBe(1);
    expect(await set('/Soc', new Typed('d', 10))).toBe(1);
    expect(await set('/Settings/Limit', new Typed('d', 42))).toBe(0); // same value: ok, silent
    expect(svc.get('/Settings/Limit')).toBe(42);
    expect(svc.get('/Mode')).toBe(3);
    await sleep(100);
    expect(signals).toHaveLength(2);
    await svc.close();
  });

  test('SetValue with a bare typed argument (dbus-send int32:252) and a call without interface', async () => {
    const svc = makeService(await bus.connect());
    await svc.register();
    const consumer = await bus.connect();
    const bare = await consumer.call({
      destination: NAME,
      path: '/Mode',
      member: 'SetValue',
      signature: 'i',
      body: [252],
    });
    expect(bare).toEqual([0]);
    expect(svc.get('/Mode')).toBe(252);
    const bareString = await call(consumer, '/CustomName', 'SetValue', {
      signature: 's',
      body: ['Bank A'],
    });
    expect(bareString).toEqual([0]);
    expect(svc.get('/CustomName')).toBe('Bank A');
    const [value] = await consumer.call({ destination: NAME, path: '/Mode', member: 'GetValue' });
    expect(value).toEqual(new Typed('i', 252));
    const [items] = await consumer.call({ destination: NAME, path: '/', member: 'GetItems' });
    expect(Object.keys(items as object)).toContain('/DeviceInstance');
    await svc.close();
  });

  test('an async onSet hook may refuse; the value stays unchanged', async () => {
    const producer = await bus.connect();
    const svc = new BusItemService(producer, NAME);
    const seen: unknown[] = [];
    svc.add('/DeviceInstance', { type: 'i', value: 0 });
    svc.add('/Bms/DryRun', {
      type: 'i',
      value: 0,
      writable: {
        values: [0, 1],
        onSet: async (v) => {
          seen.push(v);
          await sleep(20);
          return v === 1;
        },
      },
    });
    await svc.register();
    const consumer = await bus.connect();
    const set = (v: number) =>
      call(consumer, '/Bms/DryRun', 'SetValue', { signature: 'v', body: [new Typed('i', v)] });
    expect(await set(2)).toEqual([2]); // enum check first: the hook never sees it
    expect(await set(1)).toEqual([0]);
    expect(await set(0)).toEqual([2]);
    expect(seen).toEqual([1, 0]);
    expect(svc.get('/Bms/DryRun')).toBe(1);
    await svc.close();
  });

  test('introspection lists child nodes on / and tree nodes', async () => {
    const svc = makeService(await bus.connect());
    await svc.register();
    const consumer = await bus.connect();
    const introspect = async (path: string) =>
      (
        await consumer.call({
          destination: NAME,
          path,
          interface: 'org.freedesktop.DBus.Introspectable',
          member: 'Introspect',
        })
      )[0] as string;
    const root = await introspect('/');
    for (const child of ['DeviceInstance', 'Soc', 'Dc', 'Settings'])
      expect(root).toContain(`<node name="${child}"/>`);
    expect(root).toContain('GetItems');
    expect(await introspect('/Dc')).toContain('<node name="0"/>');
    const leaf = await introspect('/Dc/0/Voltage');
    expect(leaf).toContain('SetValue');
    expect(leaf).not.toContain('<node ');
    await svc.close();
  });

  test('a second instance cannot take the name and says so', async () => {
    const first = makeService(await bus.connect());
    await first.register();
    const second = makeService(await bus.connect());
    await expect(second.register()).rejects.toThrow(NameTakenError);
    await expect(second.register()).rejects.toThrow(/already owned/);
    await first.close();
  });

  test('no signal at all while nothing changes, nor when a value is set to what it is', async () => {
    const svc = makeService(await bus.connect());
    await svc.register();
    const consumer = await bus.connect();
    const signals = await listen(consumer);
    expect(svc.set('/Soc', 54.2)).toBe(false);
    svc.setMany({ '/Dc/0/Voltage': 26.5, '/Dc/0/Current': null });
    // A change reverted within the same tick leaves nothing to announce either.
    svc.set('/Soc', 60);
    svc.set('/Soc', 54.2);
    await sleep(500);
    expect(signals).toEqual([]);
    await svc.close();
  });

  test('GetItems on 100 paths is fast', async () => {
    const producer = await bus.connect();
    const svc = new BusItemService(producer, 'com.victronenergy.battery.big');
    for (let i = 0; i < 100; i++) svc.add(`/Group${i % 10}/Value${i}`, { type: 'd', value: i / 3 });
    await svc.register();
    const consumer = await bus.connect();
    await consumer.call({ destination: svc.name, path: '/', member: 'GetItems' });
    const runs = 20;
    const start = process.hrtime.bigint();
    for (let i = 0; i < runs; i++)
      await consumer.call({ destination: svc.name, path: '/', member: 'GetItems' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
    console.log(`GetItems, 100 paths: ${ms.toFixed(2)} ms per call`);
    expect(ms).toBeLessThan(50);
    await svc.close();
  });
});
