/**
 * Issue 14, "a faithful battery picture": the real `smallbms run` with the systemcalc and
 * SmartShunt stand-ins. With a DVCC target and DVCC on, com.victronenergy.system's
 * /Dc/Battery/* are what they are without our service (Automatic battery monitor: we are
 * selected and mirror; explicit monitor: the monitor stays selected and we are only the BMS).
 * Without a DVCC target we are never the selected battery monitor. When our service dies as
 * DVCC BMS the stand-in models systemcalc's "BMS lost".
 */
import { DC_BATTERY_PATHS } from '../../service/src/sim/systemcalc-battery';
import { SIM_BATTERY_SERVICE } from '../../service/src/sim/gx';
import type { VeValue } from '../../service/src/venus/api';
import { ServiceMonitor } from '../../service/src/venus/monitor';
import {
  SERVICE,
  SETTINGS,
  cli,
  getRemote,
  setRemote,
  shutdown,
  startService,
  waitFor,
  waitValue,
  type Running,
} from './harness';

const SYSTEM = 'com.victronenergy.system';
/** Paths that name a service: they differ when our service is the selected one. */
const NAMES_SERVICE = new Set([
  '/Dc/Battery/ProductId',
  '/Dc/Battery/VoltageService',
  '/Dc/Battery/TemperatureService',
]);
const VALUE_PATHS = DC_BATTERY_PATHS.filter((p) => !NAMES_SERVICE.has(p));

const dvccTargets = (config: Record<string, unknown>): void => {
  const outputs = config.outputs as Record<string, unknown[]>;
  outputs.load.push({ type: 'dvcc' });
  outputs.charge.push({ type: 'dvcc' });
};

function bus(r: Running): NonNullable<Running['bus']> {
  if (!r.bus) throw new Error('no D-Bus');
  return r.bus;
}

const system = (r: Running, p: string): Promise<VeValue | undefined> =>
  getRemote(bus(r), SYSTEM, p);

async function systemBattery(
  r: Running,
  paths: readonly string[],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const p of paths) out[p] = (await system(r, p)) ?? null;
  return out;
}

/** What systemcalc shows with the monitor selected, from the monitor's own paths. */
async function fromMonitor(r: Running): Promise<Record<string, unknown>> {
  const m = async (p: string): Promise<unknown> =>
    (await getRemote(bus(r), SIM_BATTERY_SERVICE, p)) ?? null;
  const power = (await m('/Dc/0/Power')) as number | null;
  return {
    '/Dc/Battery/Soc': await m('/Soc'),
    '/Dc/Battery/Voltage': await m('/Dc/0/Voltage'),
    '/Dc/Battery/Current': await m('/Dc/0/Current'),
    '/Dc/Battery/Power': power,
    '/Dc/Battery/State': power === null ? null : power > 30 ? 1 : power < -30 ? 2 : 0,
    '/Dc/Battery/TimeToGo': await m('/TimeToGo'),
    '/Dc/Battery/ConsumedAmphours': await m('/ConsumedAmphours'),
    '/Dc/Battery/Capacity': (await m('/InstalledCapacity')) ?? (await m('/Capacity')),
    '/Dc/Battery/Temperature': await m('/Dc/0/Temperature'),
  };
}

const same = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

async function waitPicture(
  r: Running,
  selected: string,
  what: string,
): Promise<Record<string, unknown>> {
  await waitFor(
    () => system(r, '/Dc/Battery/BatteryService'),
    (v) => v === selected,
    `${what}: selected ${selected}`,
    10000,
  );
  const expected = await fromMonitor(r);
  return waitFor(
    () => systemBattery(r, VALUE_PATHS),
    (v) => same(v, expected),
    `${what}: system /Dc/Battery/* = monitor's ${JSON.stringify(expected)}`,
    10000,
  );
}

async function dvccOn(r: Running, on: boolean): Promise<void> {
  await waitFor(
    () => getRemote(bus(r), SETTINGS, '/Settings/Services/Bol'),
    (v) => v !== undefined,
    'DVCC setting',
  );
  expect(await setRemote(bus(r), SETTINGS, '/Settings/Services/Bol', on ? 1 : 0)).toBe(0);
  await waitFor(
    () => system(r, '/Control/Dvcc'),
    (v) => v === (on ? 1 : 0),
    'systemcalc DVCC',
  );
}

/** Paths of our service (one GetItems, as systemcalc's scan sees them). */
async function ourPaths(r: Running): Promise<string[]> {
  const [items] = await bus(r).call({
    destination: SERVICE,
    path: '/',
    interface: 'com.victronenergy.BusItem',
    member: 'GetItems',
  });
  return Object.keys(items as Record<string, unknown>);
}

describe('DVCC target, DVCC on, battery monitor Automatic', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startService({ editConfig: dvccTargets });
    await dvccOn(r, true);
  });
  afterAll(() => shutdown(r));

  test('system /Dc/Battery/* are the same with and without our service', async () => {
    const readings = [
      {
        soc: 76,
        voltage: 13.05,
        current: -6.5,
        temperature: 19.5,
        consumedAh: -48,
        timeToGoS: 42000,
      },
      {
        soc: 91,
        voltage: 13.6,
        current: 12.25,
        temperature: 23,
        consumedAh: -9.5,
        timeToGoS: null,
      },
    ];
    for (const reading of readings) {
      r.gx.battery?.reading(reading);
      // With us: systemcalc prefers the BMS, so our service is the battery monitor too.
      const withUs = await waitPicture(r, SERVICE, 'with our service');
      expect(await system(r, '/ActiveBmsService')).toBe(SERVICE);
      expect(withUs['/Dc/Battery/TimeToGo']).toBe(reading.timeToGoS);
      expect(withUs['/Dc/Battery/ConsumedAmphours']).toBe(reading.consumedAh);
      expect(withUs['/Dc/Battery/Temperature']).toBe(reading.temperature);
      // The console's battery page of the selected service: starter voltage and history.
      for (const p of ['/Dc/1/Voltage', '/History/ChargeCycles', '/History/MinimumVoltage']) {
        expect(await r.value(p)).toEqual(await getRemote(bus(r), SIM_BATTERY_SERVICE, p));
      }
      // Our service gone: systemcalc falls back to the monitor; the picture must not change.
      await r.stop();
      const without = await waitPicture(r, SIM_BATTERY_SERVICE, 'without our service');
      expect(without).toEqual(withUs);
      await r.restart();
    }
  });

  test('while the GX takes its battery values from us, every reading is published (not paced)', async () => {
    await waitFor(
      () => system(r, '/Dc/Battery/BatteryService'),
      (v) => v === SERVICE,
      'our service selected as battery monitor',
    );
    // Elsewhere mirrored readings go out at most every 5 s (mirror-rate.ts); here systemcalc
    // copies them to the system's battery, so none may be held back.
    const monitor = new ServiceMonitor(bus(r));
    await monitor.start();
    const seen: unknown[] = [];
    const unwatch = monitor.watch(SERVICE, '/Dc/0/Voltage', (u) => seen.push(u.value));
    try {
      const volts = [13.11, 13.12, 13.13, 13.14, 13.15];
      for (const voltage of volts) {
        r.gx.battery?.reading({ voltage });
        await new Promise((res) => setTimeout(res, 150));
      }
      await waitFor(
        () => Promise.resolve(seen[seen.length - 1]),
        (v) => v === volts[volts.length - 1],
        'last reading mirrored',
      );
      for (const v of volts) expect(seen).toContain(v);
    } finally {
      unwatch();
      monitor.stop();
    }
  });

  test('the monitor own alarms are not copied (no duplicate notifications)', async () => {
    const paths = await ourPaths(r);
    expect(paths).not.toContain('/Alarms/LowVoltage');
    expect(paths).not.toContain('/Alarms/LowStarterVoltage');
    expect(paths).toContain('/ConsumedAmphours');
  });

  test('the notes and the status say that the GX uses us as battery monitor', async () => {
    await waitValue(r, '/Bms/Notes', (v) => String(v).includes('battery monitor'), 'note');
    const notes = String(await r.value('/Bms/Notes'));
    expect(notes).toContain('Settings → System Setup → Batteries → Battery monitor');
    expect(notes).toContain(SIM_BATTERY_SERVICE);
    const status = await cli(r.gx.address, ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/gx role +DVCC BMS · battery monitor \(automatic\)/);
  });

  test('explicit battery monitor: the monitor stays in charge, we stay the BMS', async () => {
    const chosen = `com.victronenergy.battery/${String(await getRemote(bus(r), SIM_BATTERY_SERVICE, '/DeviceInstance'))}`;
    expect(await setRemote(bus(r), SETTINGS, '/Settings/SystemSetup/BatteryService', chosen)).toBe(
      0,
    );
    const picture = await waitPicture(r, SIM_BATTERY_SERVICE, 'explicit monitor');
    expect(picture['/Dc/Battery/ConsumedAmphours']).not.toBeNull();
    // Every path, including the ones that name the service, is the monitor's.
    expect(await system(r, '/Dc/Battery/ProductId')).toBe(0xa389);
    expect(await system(r, '/Dc/Battery/VoltageService')).toBe(SIM_BATTERY_SERVICE);
    await waitFor(
      () => system(r, '/ActiveBmsService'),
      (v) => v === SERVICE,
      'still our BMS',
    );
    expect(r.gx.systemcalc?.battery?.limits()).toEqual({
      chargeVoltage: 14.2,
      maxChargeCurrent: 1000,
      maxDischargeCurrent: 1000,
    });
    await waitValue(r, '/Bms/Notes', (v) => !String(v).includes('battery monitor'), 'note gone');
    const status = await cli(r.gx.address, ['status']);
    expect(status.stdout).toMatch(
      /gx role +DVCC BMS · battery monitor: com\.victronenergy\.battery\.sim/,
    );
    expect(
      await setRemote(bus(r), SETTINGS, '/Settings/SystemSetup/BatteryService', 'default'),
    ).toBe(0);
    await waitFor(
      () => system(r, '/Dc/Battery/BatteryService'),
      (v) => v === SERVICE,
      'automatic again',
    );
  });

  test('our service dies as DVCC BMS: the stand-in models "BMS lost"', async () => {
    const calc = r.gx.systemcalc?.battery;
    await waitFor(
      () => system(r, '/Dc/Battery/ChargeVoltage'),
      (v) => v === 14.2,
      'charge voltage from us',
    );
    expect(calc?.bmsLost).toBe(false);
    await r.kill9();
    await waitFor(
      () => system(r, '/ActiveBmsService'),
      (v) => v === undefined,
      'no BMS',
    );
    expect(calc?.bmsLost).toBe(true);
    expect(calc?.limits()).toBeNull();
    await waitFor(
      () => system(r, '/Control/SolarChargeVoltage'),
      (v) => v === 0,
      'chargers not written',
    );
    expect(await system(r, '/Dc/Battery/ChargeVoltage')).toBeUndefined();
    // The battery monitor falls back to the monitor itself: the picture stays.
    await waitPicture(r, SIM_BATTERY_SERVICE, 'after the crash');
    await r.restart();
    await waitFor(
      () => system(r, '/ActiveBmsService'),
      (v) => v === SERVICE,
      'BMS back',
    );
    expect(calc?.bmsLost).toBe(false);
  });

  test('DVCC off: the note says the DVCC target limits nothing', async () => {
    await dvccOn(r, false);
    await waitValue(r, '/Bms/Notes', (v) => String(v).includes('DVCC is off'), 'DVCC off note');
    await dvccOn(r, true);
    await waitValue(r, '/Bms/Notes', (v) => !String(v).includes('DVCC is off'), 'note gone');
  });
});

describe('no DVCC target', () => {
  let r: Running;
  beforeAll(async () => {
    r = await startService({});
    await dvccOn(r, true);
  });
  afterAll(() => shutdown(r));

  test('never /Info/MaxChargeVoltage, never the selected battery monitor nor BMS', async () => {
    const paths = await ourPaths(r);
    expect(paths.filter((p) => p.startsWith('/Info/'))).toEqual([]);
    expect(paths).not.toContain('/ConsumedAmphours');
    await waitPicture(r, SIM_BATTERY_SERVICE, 'no DVCC target');
    // Several systemcalc ticks, and a monitor reading in between: still the monitor.
    r.gx.battery?.reading({ soc: 64, current: -3 });
    for (let i = 0; i < 3; i++) {
      await new Promise((res) => setTimeout(res, 1100));
      expect(await system(r, '/Dc/Battery/BatteryService')).toBe(SIM_BATTERY_SERVICE);
      expect(await system(r, '/ActiveBmsService')).toBeUndefined();
    }
    await waitPicture(r, SIM_BATTERY_SERVICE, 'after a reading');
    const status = await cli(r.gx.address, ['status']);
    expect(status.stdout).toMatch(
      /gx role +not a BMS · battery monitor: com\.victronenergy\.battery\.sim/,
    );
  });

  test('the only battery service left: systemcalc picks us, and the notes say what to set', async () => {
    // systemcalc's Automatic rule takes the lowest-instance connected battery service when
    // none has /Info/MaxChargeVoltage: with the monitor gone that is us (no way to opt out
    // short of /Connected = 0). We cannot prevent it; we say it.
    await r.gx.battery?.stop();
    await waitFor(
      () => system(r, '/Dc/Battery/BatteryService'),
      (v) => v === SERVICE,
      'us, alone',
    );
    await waitValue(r, '/Bms/Notes', (v) => String(v).includes('auto-selected'), 'note');
    expect(String(await r.value('/Bms/Notes'))).toContain(
      'set Settings → System Setup → Batteries → Battery monitor',
    );
    const json = await cli(r.gx.address, ['status', '--json']);
    expect((JSON.parse(json.stdout) as { gx: Record<string, unknown> }).gx).toMatchObject({
      dvccTarget: false,
      batteryService: SERVICE,
      batteryServiceSetting: 'default',
    });
    await r.gx.battery?.start();
    await waitFor(
      () => system(r, '/Dc/Battery/BatteryService'),
      (v) => v === SIM_BATTERY_SERVICE,
      'the monitor again',
    );
    await waitValue(r, '/Bms/Notes', (v) => !String(v).includes('auto-selected'), 'note gone');
  });
});
