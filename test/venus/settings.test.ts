/** The settings client against the localsettings stand-in, on a private dbus-daemon. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Typed } from '../../service/src/venus/bus';
import { SettingsClient, SETTINGS_SERVICE } from '../../service/src/venus/settings';
import { LocalSettingsStandIn } from '../../service/src/sim/localsettings';
import { sleep, until, usePrivateBus } from '../helpers/dbus';

const bus = usePrivateBus();
const LIMIT = '/Settings/SmallBms/Default/LowSocPercent';
const running: LocalSettingsStandIn[] = [];

async function startLocalSettings(file?: string): Promise<LocalSettingsStandIn> {
  const ls = new LocalSettingsStandIn({ address: bus.address(), file });
  await ls.start();
  running.push(ls);
  return ls;
}

async function client(): Promise<SettingsClient> {
  const c = new SettingsClient(await bus.connect(), { timeoutMs: 2000 });
  await c.start();
  return c;
}

afterEach(async () => {
  for (const ls of running.splice(0)) await ls.stop();
});

describe('SettingsClient with the localsettings stand-in', () => {
  test('AddSettings keeps an existing value; SetValue is range-checked (-1 = refused)', async () => {
    const ls = await startLocalSettings();
    const first = await client();
    expect(await first.add([{ path: LIMIT, default: 10, min: 0, max: 50 }])).toEqual({
      [LIMIT]: 10,
    });
    expect(await first.setValue(LIMIT, 25)).toBe(true);
    expect(await first.setValue(LIMIT, 80)).toBe(false);
    const consumer = await bus.connect();
    const [code] = await consumer.call({
      destination: SETTINGS_SERVICE,
      path: LIMIT,
      interface: 'com.victronenergy.BusItem',
      member: 'SetValue',
      signature: 'v',
      body: [new Typed('i', 99)],
    });
    expect(code).toBe(-1);
    const second = await client();
    expect(await second.add([{ path: LIMIT, default: 10, min: 0, max: 50 }])).toEqual({
      [LIMIT]: 25,
    });
    expect(ls.get(LIMIT)).toBe(25);
  });

  test('changes made elsewhere (GUI, MQTT) reach onChange', async () => {
    const ls = await startLocalSettings();
    const c = await client();
    await c.add([{ path: LIMIT, default: 10, min: 0, max: 50 }]);
    const changes: unknown[] = [];
    c.onChange((path, value) => changes.push([path, value]));
    ls.set(LIMIT, 30);
    await until(() => changes.length === 1, 'change');
    expect(changes).toEqual([[LIMIT, 30]]);
    expect(c.get(LIMIT)).toBe(30);
  });

  test('device instance: a second claimant gets the next free number; claims are stable', async () => {
    await startLocalSettings();
    const a = await client();
    const b = await client();
    expect(await a.claimDeviceInstance('smallbms_A1', 'battery', 512)).toBe(512);
    expect(await b.claimDeviceInstance('smallbms_B2', 'battery', 512)).toBe(513);
    expect(await a.claimDeviceInstance('smallbms_A1', 'battery', 512)).toBe(512);
    // Another class does not compete for the number.
    expect(await b.claimDeviceInstance('digin_1', 'digitalinput', 512)).toBe(512);
  });

  test('works when localsettings starts after us, leaves and comes back (settings re-added)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smallbms-settings-'));
    const c = await client();
    let done = false;
    const added = c.add([{ path: LIMIT, default: 10, min: 0, max: 50 }]).then((v) => {
      done = true;
      return v;
    });
    await sleep(200);
    expect(done).toBe(false);
    expect(c.present).toBe(false);
    const first = await startLocalSettings(join(dir, 'a.json'));
    expect(await added).toEqual({ [LIMIT]: 10 });
    await first.stop();
    running.splice(0);
    await until(() => !c.present, 'localsettings gone');
    expect(c.get(LIMIT)).toBe(10); // last known value is kept
    // A fresh localsettings without the setting (factory reset, lost file): we add it again.
    const second = await startLocalSettings(join(dir, 'b.json'));
    await until(() => second.get(LIMIT) !== undefined, 'setting re-added');
    expect(second.get(LIMIT)).toBe(10);
    expect(await c.setValue(LIMIT, 12)).toBe(true);
    await until(() => c.get(LIMIT) === 12, 'value followed');
  });

  test('the stand-in persists to its file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'smallbms-settings-')), 'settings.json');
    const ls = await startLocalSettings(file);
    const c = await client();
    await c.add([{ path: LIMIT, default: 10, min: 0, max: 50 }]);
    await c.setValue(LIMIT, 33);
    await ls.stop();
    running.splice(0);
    await startLocalSettings(file);
    const again = await client();
    expect(await again.add([{ path: LIMIT, default: 10, min: 0, max: 50 }])).toEqual({
      [LIMIT]: 33,
    });
  });
});
