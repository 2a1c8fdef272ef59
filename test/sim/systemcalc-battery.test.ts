/**
 * The systemcalc stand-in's battery rules against dbus-systemcalc-py v2.256
 * (dbus_systemcalc.py `_autoselect_battery_service`, `_determinebatteryservice`,
 * `_updatevalues`; delegates/batteryservice.py `_set_bms`; delegates/batterysense.py).
 */
import {
  autoSelectBattery,
  dcBatteryValues,
  selectBatteryService,
  selectBms,
  STATE_CHARGING,
  STATE_DISCHARGING,
  STATE_IDLE,
  type BatteryView,
} from '../../service/src/sim/systemcalc-battery';
import type { VeValue } from '../../service/src/venus/api';

function battery(
  suffix: string,
  instance: number,
  extra: Record<string, VeValue | undefined> = {},
): BatteryView {
  const values = new Map<string, VeValue | undefined>(
    Object.entries({
      '/DeviceInstance': instance,
      '/Connected': 1,
      '/ProductName': `product ${suffix}`,
      '/Mgmt/Connection': 'VE.Direct',
      ...extra,
    }),
  );
  return { service: `com.victronenergy.battery.${suffix}`, instance, values };
}

const shunt = battery('ttyS5', 279, { '/Soc': 80, '/Dc/0/Power': -65 });
const bms = battery('smallbms', 512, { '/Info/MaxChargeVoltage': 14.2 });

describe('battery monitor selection (Automatic)', () => {
  test('a battery with /Info/MaxChargeVoltage wins over a lower instance', () => {
    expect(autoSelectBattery([shunt, bms])?.service).toBe(bms.service);
  });

  test('the path counts when it exists, even invalid ("seen")', () => {
    const invalid = battery('x', 600, { '/Info/MaxChargeVoltage': undefined });
    expect(autoSelectBattery([shunt, invalid])?.service).toBe(invalid.service);
  });

  test('without any BMS the lowest instance wins', () => {
    const other = battery('other', 512);
    expect(autoSelectBattery([other, shunt])?.service).toBe(shunt.service);
  });

  test('a service is a candidate only when connected with ProductName and Mgmt/Connection', () => {
    const off = battery('off', 1, { '/Connected': 0 });
    const noName = battery('noname', 2, { '/ProductName': undefined });
    const noConn = battery('noconn', 3, { '/Mgmt/Connection': undefined });
    expect(autoSelectBattery([off, noName, noConn, shunt])?.service).toBe(shunt.service);
    expect(autoSelectBattery([off])).toBeNull();
  });

  test('lynxparallel is preferred among BMSes', () => {
    const lynx = battery('lynxparallel0', 900, { '/Info/MaxChargeVoltage': 28.4 });
    expect(autoSelectBattery([bms, lynx])?.service).toBe(lynx.service);
  });
});

describe('battery monitor setting', () => {
  test('default is automatic, nobattery is none', () => {
    expect(selectBatteryService('default', [shunt, bms])).toEqual({ battery: bms, auto: true });
    expect(selectBatteryService('nobattery', [shunt, bms])).toEqual({ battery: null, auto: false });
  });

  test('an explicit monitor is used even if another is a BMS', () => {
    expect(selectBatteryService('com.victronenergy.battery/279', [shunt, bms]).battery).toBe(shunt);
  });

  test('an explicit monitor that is gone gives none, never another', () => {
    expect(selectBatteryService('com.victronenergy.battery/279', [bms]).battery).toBeNull();
    expect(selectBatteryService('com.victronenergy.vebus/279', [shunt]).battery).toBeNull();
    expect(selectBatteryService('garbage', [shunt]).battery).toBeNull();
  });
});

describe('controlling BMS (BmsInstance)', () => {
  test('automatic: a BMS that is not the battery monitor is still the BMS', () => {
    expect(selectBms(-1, [shunt, bms], shunt)).toBe(bms);
  });

  test('automatic: the battery monitor comes first when it is a BMS itself', () => {
    const low = battery('low', 5, { '/Info/MaxChargeVoltage': 14.0 });
    expect(selectBms(-1, [low, bms], bms)).toBe(bms);
    expect(selectBms(-1, [low, bms], shunt)).toBe(low);
  });

  test('an invalid MaxChargeVoltage is no BMS', () => {
    const invalid = battery('x', 600, { '/Info/MaxChargeVoltage': undefined });
    expect(selectBms(-1, [shunt, invalid], invalid)).toBeNull();
  });

  test('explicit instance, none, and a gone or non-BMS instance', () => {
    expect(selectBms(512, [shunt, bms], shunt)).toBe(bms);
    expect(selectBms(279, [shunt, bms], shunt)).toBeNull();
    expect(selectBms(77, [shunt, bms], shunt)).toBeNull();
    expect(selectBms(-255, [shunt, bms], shunt)).toBeNull();
  });
});

describe('/Dc/Battery/* from the selected battery service', () => {
  test('copied paths, capacity fallback and state thresholds', () => {
    const b = battery('b', 1, {
      '/Soc': 55,
      '/Dc/0/Voltage': 13.1,
      '/Dc/0/Current': -5,
      '/Dc/0/Power': -65.5,
      '/Dc/0/Temperature': 21,
      '/TimeToGo': 3600,
      '/ConsumedAmphours': -10,
      '/Capacity': 200,
      '/ProductId': 0xa389,
    });
    expect(dcBatteryValues(b, 'default')).toEqual({
      '/Dc/Battery/Soc': 55,
      '/Dc/Battery/Voltage': 13.1,
      '/Dc/Battery/Current': -5,
      '/Dc/Battery/Power': -65.5,
      '/Dc/Battery/State': STATE_DISCHARGING,
      '/Dc/Battery/TimeToGo': 3600,
      '/Dc/Battery/ConsumedAmphours': -10,
      '/Dc/Battery/Capacity': 200,
      '/Dc/Battery/Temperature': 21,
      '/Dc/Battery/ProductId': 0xa389,
      '/Dc/Battery/VoltageService': b.service,
      '/Dc/Battery/TemperatureService': b.service,
    });
    b.values.set('/InstalledCapacity', 300);
    b.values.set('/Dc/0/Power', 30);
    expect(dcBatteryValues(b, 'default')['/Dc/Battery/Capacity']).toBe(300);
    expect(dcBatteryValues(b, 'default')['/Dc/Battery/State']).toBe(STATE_IDLE);
    b.values.set('/Dc/0/Power', 30.5);
    expect(dcBatteryValues(b, 'default')['/Dc/Battery/State']).toBe(STATE_CHARGING);
  });

  test('insecure connection gives no voltage service; an explicit temperature setting is not ours', () => {
    const b = battery('ble', 1, { '/Mgmt/InsecureConnection': 1, '/Dc/0/Temperature': 20 });
    expect(dcBatteryValues(b, 'default')['/Dc/Battery/VoltageService']).toBeNull();
    expect(dcBatteryValues(b, 'nosensor')['/Dc/Battery/Temperature']).toBeNull();
  });

  test('no battery service: all invalid', () => {
    expect(Object.values(dcBatteryValues(null, 'default')).every((v) => v === null)).toBe(true);
  });
});
