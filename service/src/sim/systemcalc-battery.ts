/**
 * The battery part of com.victronenergy.system (dbus-systemcalc-py v2.256, read 2026-11-29):
 * which battery service is the system's battery monitor and which one is the DVCC BMS (the
 * rules are in battery-selection.ts), /Dc/Battery/* kept up to date from it on systemcalc's
 * 1 s tick, and what delegates/dvcc.py does when a BMS it once had is gone ("BMS lost").
 * This module follows the com.victronenergy.battery.* services on the bus and the
 * settings, and publishes the system's battery paths.
 */
import type { Bus, BusSignal } from '../venus/bus';
import type { ItemSpec, ItemValue } from '../venus/busitem';
import type { SettingsClient, SettingSpec } from '../venus/settings';
import { plain } from '../venus/values';
import {
  BATSERVICE_DEFAULT,
  BATTERY_PREFIX,
  BMS_DEFAULT,
  DC_BATTERY_PATHS,
  SETTING,
  dcBatteryValues,
  get,
  isBms,
  isConnected,
  num,
  selectBatteryService,
  selectBms,
  type BatteryView,
} from './battery-selection';

/** The selection rules stay importable from here, as before the split. */
export {
  BATSERVICE_DEFAULT,
  BATSERVICE_NOBATTERY,
  BATTERY_PREFIX,
  BMS_DEFAULT,
  BMS_NONE,
  DC_BATTERY_PATHS,
  SETTING,
  STATE_CHARGING,
  STATE_DISCHARGING,
  STATE_IDLE,
  autoSelectBattery,
  dcBatteryValues,
  isBms,
  isConnected,
  selectBatteryService,
  selectBms,
  type BatteryView,
} from './battery-selection';

/** The system paths this part publishes (added to the systemcalc stand-in's table). */
export function systemBatteryPaths(): Record<string, ItemSpec> {
  const paths: Record<string, ItemSpec> = {};
  const add = (p: string, type: 'd' | 'i' | 's' = 'd'): void => {
    paths[p] = { type, value: null };
  };
  for (const p of DC_BATTERY_PATHS) add(p, p.endsWith('Service') ? 's' : 'd');
  for (const p of [
    '/AutoSelectedBatteryService',
    '/ActiveBatteryService',
    '/Dc/Battery/BatteryService',
  ])
    add(p, 's');
  for (const p of ['/ActiveBmsService', '/AvailableBatteryServices']) add(p, 's');
  add('/ActiveBmsInstance', 'i');
  add('/Dc/Battery/ChargeVoltage');
  add('/Control/EffectiveChargeVoltage');
  paths['/Control/Dvcc'] = { type: 'i', value: 0 };
  paths['/Control/SolarChargeVoltage'] = { type: 'i', value: 0 };
  paths['/Control/SolarChargeCurrent'] = { type: 'i', value: 0 };
  paths['/Dvcc/Alarms/MultipleBatteries'] = { type: 'i', value: 0 };
  return paths;
}

export const BATTERY_SETTINGS: SettingSpec[] = [
  { path: SETTING.batteryService, default: BATSERVICE_DEFAULT, type: 's' },
  { path: SETTING.bmsInstance, default: BMS_DEFAULT, type: 'i' },
  { path: SETTING.dvcc, default: 0, type: 'i', min: 0, max: 7 },
  { path: SETTING.temperatureService, default: BATSERVICE_DEFAULT, type: 's' },
];

const BUSITEM = 'com.victronenergy.BusItem';
const DBUS = {
  destination: 'org.freedesktop.DBus',
  path: '/org/freedesktop/DBus',
  interface: 'org.freedesktop.DBus',
};
const RULES = [
  "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0namespace='com.victronenergy'",
  `type='signal',interface='${BUSITEM}',member='ItemsChanged'`,
  `type='signal',interface='${BUSITEM}',member='PropertiesChanged'`,
];

export interface DvccLimitsView {
  chargeVoltage: number | null;
  maxChargeCurrent: number | null;
  maxDischargeCurrent: number | null;
}

/**
 * Follows every com.victronenergy.battery.* service and keeps the system's battery paths
 * up to date on a timer (systemcalc updates /Dc/Battery/* on its 1 s tick).
 */
export class SystemcalcBattery {
  private readonly batteries = new Map<
    string,
    BatteryView & { owner: string; generation: number }
  >();
  private stopSignals: (() => void) | undefined;
  private unwatchSettings: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private bmsPresent = false;
  private current: { battery: string | null; bms: string | null } = { battery: null, bms: null };

  constructor(
    private readonly bus: Bus,
    private readonly settings: SettingsClient,
    private readonly publish: (values: Record<string, ItemValue>) => void,
    private readonly tickMs = 1000,
  ) {}

  async start(): Promise<void> {
    this.stopSignals = this.bus.onSignal((s) => this.onSignal(s));
    for (const rule of RULES) await this.bus.addMatch(rule);
    const watched: string[] = Object.values(SETTING);
    this.unwatchSettings = this.settings.onChange((path) => {
      if (watched.includes(path)) this.update();
    });
    void this.settings.add(BATTERY_SETTINGS).then(
      () => this.update(),
      () => undefined,
    );
    const [names] = await this.bus.call({ ...DBUS, member: 'ListNames' });
    for (const name of (names as string[]).filter((n) => n.startsWith(BATTERY_PREFIX))) {
      const [owner] = await this.bus
        .call({ ...DBUS, member: 'GetNameOwner', signature: 's', body: [name] })
        .catch(() => [undefined]);
      if (typeof owner === 'string') void this.appeared(name, owner);
    }
    this.timer = setInterval(() => this.update(), this.tickMs);
    this.update();
  }

  stop(): void {
    this.stopSignals?.();
    this.stopSignals = undefined;
    this.unwatchSettings?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The service systemcalc uses as battery monitor now (null: none). */
  get batteryService(): string | null {
    return this.current.battery;
  }

  /** The DVCC BMS now (null: none). */
  get bmsService(): string | null {
    return this.current.bms;
  }

  /**
   * dvcc.py "BMS lost": DVCC on, the solar chargers once had a BMS (their /Settings/BmsPresent,
   * modelled here as a latch set while a BMS is active) and none is selected now. systemcalc
   * then stops writing charge voltage/current to the chargers so that they time out (MPPT
   * error #67 "BMS connection lost") and stop charging.
   */
  get bmsLost(): boolean {
    return this.dvccOn() && this.bmsPresent && this.current.bms === null;
  }

  /** What the DVCC loop passes on from the BMS (null when none or DVCC off). */
  limits(): DvccLimitsView | null {
    const bms = this.current.bms ? this.batteries.get(this.current.bms) : undefined;
    if (!bms || !this.dvccOn()) return null;
    return {
      chargeVoltage: num(get(bms, '/Info/MaxChargeVoltage')),
      maxChargeCurrent: num(get(bms, '/Info/MaxChargeCurrent')),
      maxDischargeCurrent: num(get(bms, '/Info/MaxDischargeCurrent')),
    };
  }

  /** The user resets the chargers' "BMS present" memory (as in the MPPT settings). */
  resetBmsPresent(): void {
    this.bmsPresent = false;
    this.update();
  }

  /** Recompute selection and values now (otherwise on the tick). */
  update(): void {
    const list = [...this.batteries.values()].filter((b) => b.generation > 0);
    const setting = this.settings.get(SETTING.batteryService);
    const { battery, auto } = selectBatteryService(
      typeof setting === 'string' ? setting : BATSERVICE_DEFAULT,
      list,
    );
    const bmsSetting = this.settings.get(SETTING.bmsInstance);
    const bms = selectBms(typeof bmsSetting === 'number' ? bmsSetting : BMS_DEFAULT, list, battery);
    const temperature = this.settings.get(SETTING.temperatureService);
    const dvcc = this.dvccOn();
    if (dvcc && bms) this.bmsPresent = true;
    this.current = { battery: battery?.service ?? null, bms: bms?.service ?? null };
    const name = (b: BatteryView): string => {
      const custom = get(b, '/CustomName');
      if (typeof custom === 'string' && custom.trim()) return custom;
      return `${String(get(b, '/ProductName'))} on ${String(get(b, '/Mgmt/Connection'))}`;
    };
    const available: Record<string, string> = {
      default: 'Automatic',
      nobattery: 'No battery monitor',
    };
    for (const b of list.filter(isConnected))
      available[`com.victronenergy.battery/${b.instance}`] = name(b);
    const values: Record<string, ItemValue> = {
      ...dcBatteryValues(
        battery,
        typeof temperature === 'string' ? temperature : BATSERVICE_DEFAULT,
      ),
      '/AutoSelectedBatteryService': auto
        ? battery
          ? name(battery)
          : 'No battery monitor found'
        : null,
      '/ActiveBatteryService': battery ? `com.victronenergy.battery/${battery.instance}` : null,
      '/Dc/Battery/BatteryService': battery?.service ?? null,
      '/AvailableBatteryServices': JSON.stringify(available),
      '/ActiveBmsService': bms?.service ?? null,
      '/ActiveBmsInstance': bms ? num(get(bms, '/DeviceInstance')) : null,
      '/Control/Dvcc': dvcc ? 1 : 0,
      '/Dvcc/Alarms/MultipleBatteries': dvcc && list.filter(isBms).length > 1 ? 1 : 0,
    };
    if (!dvcc) {
      values['/Dc/Battery/ChargeVoltage'] = null;
    } else if (this.bmsLost) {
      values['/Dc/Battery/ChargeVoltage'] = null;
      values['/Control/EffectiveChargeVoltage'] = null;
      values['/Control/SolarChargeVoltage'] = 0;
      values['/Control/SolarChargeCurrent'] = 0;
    } else {
      values['/Dc/Battery/ChargeVoltage'] = bms ? num(get(bms, '/Info/MaxChargeVoltage')) : null;
    }
    this.publish(values);
  }

  private dvccOn(): boolean {
    const v = this.settings.get(SETTING.dvcc);
    return typeof v === 'number' && (v & 1) === 1;
  }

  private async appeared(service: string, owner: string): Promise<void> {
    const prev = this.batteries.get(service);
    const entry = { service, instance: -1, values: new Map(), owner, generation: 0 };
    this.batteries.set(service, entry);
    const gen = (prev?.generation ?? 0) + 1;
    try {
      const [items] = await this.bus.call({
        destination: service,
        path: '/',
        interface: BUSITEM,
        member: 'GetItems',
      });
      if (this.batteries.get(service) !== entry) return;
      for (const [path, props] of Object.entries(
        (items ?? {}) as Record<string, Record<string, unknown>>,
      )) {
        entry.values.set(path, plain(props?.Value));
      }
    } catch {
      return;
    }
    const di = num(entry.values.get('/DeviceInstance'));
    if (di === null) {
      // dbusmonitor skips a service without a device instance.
      this.batteries.delete(service);
      return;
    }
    entry.instance = di;
    entry.generation = gen;
    this.update();
  }

  private onSignal(s: BusSignal): void {
    if (s.member === 'NameOwnerChanged' && s.interface === 'org.freedesktop.DBus') {
      const [name, , newOwner] = s.body;
      if (typeof name !== 'string' || !name.startsWith(BATTERY_PREFIX)) return;
      if (typeof newOwner === 'string' && newOwner !== '') void this.appeared(name, newOwner);
      else if (this.batteries.delete(name)) this.update();
      return;
    }
    if (s.interface !== BUSITEM) return;
    const entry = [...this.batteries.values()].find((b) => b.owner === s.sender);
    if (!entry) return;
    if (s.member === 'ItemsChanged') {
      const items = (s.body[0] ?? {}) as Record<string, Record<string, unknown>>;
      for (const [path, props] of Object.entries(items)) {
        if (props && 'Value' in props) entry.values.set(path, plain(props.Value));
      }
    } else if (s.member === 'PropertiesChanged') {
      const props = s.body[0] as Record<string, unknown> | undefined;
      if (props && 'Value' in props) entry.values.set(s.path, plain(props.Value));
    }
  }
}
