/**
 * A battery monitor (SmartShunt/BMV-like) com.victronenergy.battery.<suffix> for tests and
 * demo, with the paths vedirect-dbus publishes for a SmartShunt that systemcalc, the console
 * and VRM read (gui-v2's mock smartshunt-battery.json lists the same set): measurements,
 * consumed Ah, time to go, starter/midpoint voltage, history and its own alarms.
 */
import type { ItemSpec, ItemValue } from '../venus/busitem';
import { DummyService } from './dummy-service';

export interface BatteryMonitorOptions {
  address: string;
  suffix?: string;
  deviceInstance?: number;
  soc?: number | null;
  voltage?: number | null;
  current?: number | null;
}

export interface BatteryReading {
  soc?: number | null;
  voltage?: number | null;
  current?: number | null;
  temperature?: number | null;
  consumedAh?: number | null;
  timeToGoS?: number | null;
  /** /Dc/1/Voltage: the starter battery (or midpoint) input. */
  starterVoltage?: number | null;
}

/** The SmartShunt's /History/* paths (gui-v2 BatteryHistory.qml reads them). */
export const MONITOR_HISTORY_PATHS = [
  'DeepestDischarge',
  'LastDischarge',
  'AverageDischarge',
  'ChargeCycles',
  'FullDischarges',
  'TotalAhDrawn',
  'MinimumVoltage',
  'MaximumVoltage',
  'TimeSinceLastFullCharge',
  'AutomaticSyncs',
  'LowVoltageAlarms',
  'HighVoltageAlarms',
  'LowStarterVoltageAlarms',
  'HighStarterVoltageAlarms',
  'MinimumStarterVoltage',
  'MaximumStarterVoltage',
  'DischargedEnergy',
  'ChargedEnergy',
].map((n) => `/History/${n}`);

/** The monitor's own alarms (vedirect-dbus for a SmartShunt). */
export const MONITOR_ALARM_PATHS = [
  'Alarm',
  'LowVoltage',
  'HighVoltage',
  'LowSoc',
  'LowStarterVoltage',
  'HighStarterVoltage',
  'LowTemperature',
  'HighTemperature',
  'MidVoltage',
].map((n) => `/Alarms/${n}`);

export class BatteryMonitorStandIn extends DummyService {
  constructor(options: BatteryMonitorOptions) {
    const voltage = options.voltage === undefined ? 26.4 : options.voltage;
    const current = options.current === undefined ? 0 : options.current;
    const d = (value: ItemValue): ItemSpec => ({ type: 'd', value });
    const paths: Record<string, ItemSpec> = {
      '/Soc': d(options.soc === undefined ? 80 : options.soc),
      '/Dc/0/Voltage': d(voltage),
      '/Dc/0/Current': d(current),
      '/Dc/0/Power': d(power(voltage, current)),
      '/Dc/0/Temperature': d(null),
      '/Dc/1/Voltage': d(12.7),
      '/Dc/0/MidVoltage': d(null),
      '/Dc/0/MidVoltageDeviation': d(null),
      '/ConsumedAmphours': d(-42.5),
      '/TimeToGo': d(current !== null && current < 0 ? 36000 : null),
      '/Relay/0/State': d(null),
      '/Settings/HasStarterVoltage': { type: 'i', value: 1 },
      '/Settings/HasMidVoltage': { type: 'i', value: 0 },
      '/Settings/HasTemperature': { type: 'i', value: 0 },
    };
    MONITOR_HISTORY_PATHS.forEach((p, i) => (paths[p] = d(i % 3 === 0 ? i : -(i * 1.5))));
    for (const p of MONITOR_ALARM_PATHS) paths[p] = { type: 'i', value: 0 };
    super({
      address: options.address,
      name: `com.victronenergy.battery.${options.suffix ?? 'ttyS5'}`,
      mandatory: {
        deviceInstance: options.deviceInstance ?? 279,
        productId: 0xa389,
        productName: 'SmartShunt 500A/50mV (simulated)',
        connection: 'VE.Direct (simulated)',
      },
      paths,
    });
  }

  /** Update measurements; /Dc/0/Power follows. All leave in one ItemsChanged. */
  reading(r: BatteryReading): void {
    const next: Record<string, ItemValue> = {};
    if (r.soc !== undefined) next['/Soc'] = r.soc;
    if (r.voltage !== undefined) next['/Dc/0/Voltage'] = r.voltage;
    if (r.current !== undefined) next['/Dc/0/Current'] = r.current;
    if (r.temperature !== undefined) next['/Dc/0/Temperature'] = r.temperature;
    if (r.consumedAh !== undefined) next['/ConsumedAmphours'] = r.consumedAh;
    if (r.timeToGoS !== undefined) next['/TimeToGo'] = r.timeToGoS;
    if (r.starterVoltage !== undefined) next['/Dc/1/Voltage'] = r.starterVoltage;
    const v = r.voltage !== undefined ? r.voltage : this.get('/Dc/0/Voltage');
    const i = r.current !== undefined ? r.current : this.get('/Dc/0/Current');
    next['/Dc/0/Power'] = power(v, i);
    this.setMany(next);
  }
}

function power(v: ItemValue, i: ItemValue): number | null {
  return typeof v === 'number' && typeof i === 'number' ? Math.round(v * i * 10) / 10 : null;
}
