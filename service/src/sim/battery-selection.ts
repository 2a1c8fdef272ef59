/**
 * Which battery is the system's, as systemcalc decides it (dbus-systemcalc-py v2.256, read
 * 2026-11-29): the battery monitor (`_autoselect_battery_service`, `_determinebatteryservice`
 * in dbus_systemcalc.py), the DVCC BMS (delegates/batteryservice.py `_set_bms`) and what is
 * copied to /Dc/Battery/* (`_updatevalues`, delegates/batterysoc.py, delegates/batterysense.py
 * `_determine_temperature`). Pure rules on what systemcalc knows of each battery service
 * (`BatteryView`); systemcalc-battery.ts follows the services on the bus and applies them.
 *
 * Modelled: battery services only (no vebus/inverter/solar-charger fallbacks for the battery
 * monitor, no voltage from chargers). velib's dbusmonitor "seen" = the path exists on the
 * service (GetItems listed it, even with an invalid value, or a signal named it).
 */
import type { ItemValue } from '../venus/busitem';
import type { VeValue } from '../venus/api';
export const BATTERY_PREFIX = 'com.victronenergy.battery.';
export const BATSERVICE_DEFAULT = 'default';
export const BATSERVICE_NOBATTERY = 'nobattery';
export const BMS_DEFAULT = -1;
export const BMS_NONE = -255;

export const SETTING = {
  batteryService: '/Settings/SystemSetup/BatteryService',
  bmsInstance: '/Settings/SystemSetup/BmsInstance',
  dvcc: '/Settings/Services/Bol',
  temperatureService: '/Settings/SystemSetup/TemperatureService',
} as const;

export const STATE_IDLE = 0;
export const STATE_CHARGING = 1;
export const STATE_DISCHARGING = 2;

/** The /Dc/Battery/* paths systemcalc fills from the selected battery service. */
export const DC_BATTERY_PATHS = [
  '/Dc/Battery/Soc',
  '/Dc/Battery/Voltage',
  '/Dc/Battery/Current',
  '/Dc/Battery/Power',
  '/Dc/Battery/State',
  '/Dc/Battery/TimeToGo',
  '/Dc/Battery/ConsumedAmphours',
  '/Dc/Battery/Capacity',
  '/Dc/Battery/Temperature',
  '/Dc/Battery/ProductId',
  '/Dc/Battery/VoltageService',
  '/Dc/Battery/TemperatureService',
] as const;

/** What systemcalc knows of one battery service. */
export interface BatteryView {
  service: string;
  instance: number;
  /** Paths "seen" (present on the service), with their values (undefined = invalid). */
  values: Map<string, VeValue | undefined>;
}

/** A number, or null for an invalid or non-numeric value. */
export const num = (v: VeValue | undefined): number | null => (typeof v === 'number' ? v : null);
/** The value of a seen path on a battery service (undefined = invalid or not seen). */
export const get = (b: BatteryView, path: string): VeValue | undefined => b.values.get(path);

/** `_remove_unconnected_services`: /Connected == 1 and ProductName and Mgmt/Connection valid. */
export function isConnected(b: BatteryView): boolean {
  return (
    get(b, '/Connected') === 1 &&
    get(b, '/ProductName') !== undefined &&
    get(b, '/Mgmt/Connection') !== undefined
  );
}

/** batteryservice.py `Battery.is_bms`: a valid /Info/MaxChargeVoltage. */
export function isBms(b: BatteryView): boolean {
  return get(b, '/Info/MaxChargeVoltage') !== undefined;
}

/**
 * `_autoselect_battery_service` for battery services: connected ones, those that have
 * /Info/MaxChargeVoltage (seen, even invalid) first, then lynxparallel, then lowest instance.
 */
export function autoSelectBattery(batteries: BatteryView[]): BatteryView | null {
  const key = (b: BatteryView): [number, number, number] => [
    b.values.has('/Info/MaxChargeVoltage') ? 0 : 1,
    b.service.startsWith('com.victronenergy.battery.lynxparallel') ? 0 : 1,
    b.instance,
  ];
  const candidates = batteries.filter(isConnected).sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2] || a.service.localeCompare(b.service);
  });
  return candidates[0] ?? null;
}

/** `_determinebatteryservice`: the setting is `default`, `nobattery` or `<class>/<instance>`. */
export function selectBatteryService(
  setting: string,
  batteries: BatteryView[],
): { battery: BatteryView | null; auto: boolean } {
  if (setting === BATSERVICE_DEFAULT) return { battery: autoSelectBattery(batteries), auto: true };
  if (setting === BATSERVICE_NOBATTERY) return { battery: null, auto: false };
  const parts = setting.split('/');
  if (parts.length !== 2) return { battery: null, auto: false };
  const [cls, inst] = parts;
  // `_find_device_instance`: any service of that class with that instance, connected or not;
  // a chosen monitor that is gone gives none (no fallback to another).
  const found =
    cls === 'com.victronenergy.battery'
      ? batteries.find((b) => b.instance === Number(inst))
      : undefined;
  return { battery: found ?? null, auto: false };
}

/** batteryservice.py `_set_bms`. */
export function selectBms(
  bmsInstance: number,
  batteries: BatteryView[],
  batteryService: BatteryView | null,
): BatteryView | null {
  if (bmsInstance === BMS_NONE) return null;
  if (bmsInstance !== BMS_DEFAULT) {
    const b = batteries.find((x) => x.instance === bmsInstance);
    return b && isBms(b) ? b : null;
  }
  // Automatic: the selected battery monitor first (instance -1), then the lowest instance,
  // lynxparallel preferred.
  const bmses = batteries.filter(isBms).map((b) => ({ b, instance: b.instance }));
  if (batteryService && isBms(batteryService)) bmses.push({ b: batteryService, instance: -1 });
  if (bmses.length === 0) return null;
  const parallel = bmses.filter((x) =>
    x.b.service.startsWith('com.victronenergy.battery.lynxparallel'),
  );
  return (parallel.length > 0 ? parallel : bmses).sort((x, y) => x.instance - y.instance)[0].b;
}

/** `_updatevalues` (battery branch), batterysoc.py and batterysense.py (default setting). */
export function dcBatteryValues(
  battery: BatteryView | null,
  temperatureSetting: string,
): Record<(typeof DC_BATTERY_PATHS)[number], ItemValue> {
  const out = Object.fromEntries(DC_BATTERY_PATHS.map((p) => [p, null])) as Record<
    (typeof DC_BATTERY_PATHS)[number],
    ItemValue
  >;
  if (!battery) return out;
  const v = (path: string): ItemValue => {
    const x = get(battery, path);
    return x === undefined ? null : (x as ItemValue);
  };
  out['/Dc/Battery/Soc'] = v('/Soc');
  out['/Dc/Battery/TimeToGo'] = v('/TimeToGo');
  out['/Dc/Battery/ConsumedAmphours'] = v('/ConsumedAmphours');
  out['/Dc/Battery/ProductId'] = v('/ProductId');
  out['/Dc/Battery/Voltage'] = v('/Dc/0/Voltage');
  out['/Dc/Battery/Current'] = v('/Dc/0/Current');
  out['/Dc/Battery/Power'] = v('/Dc/0/Power');
  out['/Dc/Battery/VoltageService'] =
    get(battery, '/Mgmt/InsecureConnection') === 1 ? null : battery.service;
  const capacity = v('/InstalledCapacity');
  out['/Dc/Battery/Capacity'] = capacity !== null ? capacity : v('/Capacity');
  const p = num(get(battery, '/Dc/0/Power'));
  if (p !== null) {
    out['/Dc/Battery/State'] = p > 30 ? STATE_CHARGING : p < -30 ? STATE_DISCHARGING : STATE_IDLE;
  }
  if (temperatureSetting === BATSERVICE_DEFAULT) {
    const t = num(get(battery, '/Dc/0/Temperature'));
    if (t !== null) {
      out['/Dc/Battery/Temperature'] = t;
      out['/Dc/Battery/TemperatureService'] = battery.service;
    }
  }
  return out;
}
