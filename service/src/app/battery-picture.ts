/**
 * Keeps the GX's battery picture true when a DVCC target makes us a BMS.
 *
 * dbus-systemcalc-py (v2.256) prefers battery services that have /Info/MaxChargeVoltage when
 * it auto-selects the battery monitor, and copies /Dc/Battery/* from the selected one. So
 * with a DVCC target and Settings → System Setup → Batteries → Battery monitor "Automatic",
 * the GX shows our service's values. We therefore mirror what the configured monitor
 * publishes that systemcalc, the console and VRM read (README, DVCC FAQ), and say in the
 * notes which role the GX gives us, so the user can choose the monitor explicitly (then we
 * are only the BMS, which systemcalc supports: the BMS and the battery monitor may differ).
 *
 * The monitor's own /Alarms/* are not mirrored: venus-platform raises notifications from
 * every battery service, so the monitor's alarms already reach the GX and VRM; a copy would
 * notify twice.
 */
import type { BatteryMonitorConfig } from '../config/types';
import type { RemoteValues, ValueUpdate } from '../venus/api';
import type { ItemValue } from '../venus/busitem';

export const SYSTEM_SERVICE = 'com.victronenergy.system';

/** gui-v2 (Settings → System Setup → ...) menu paths, read from gui-v2's pages/settings. */
export const MENU = {
  batteryMonitor: 'Settings → System Setup → Batteries → Battery monitor',
  dvcc: 'Settings → System Setup → Charge Control → DVCC',
  controllingBms: 'Settings → System Setup → Charge Control → Controlling BMS',
} as const;

/**
 * The monitor paths we mirror (SoC, voltage and current come through Measurements):
 * systemcalc copies /Dc/0/Power, /TimeToGo, /ConsumedAmphours, /InstalledCapacity or
 * /Capacity and /Dc/0/Temperature to /Dc/Battery/*; the console's battery page shows
 * /Dc/1/Voltage, the midpoint and /History/*.
 */
export const MIRROR_PATHS = [
  '/Dc/0/Power',
  '/Dc/0/Temperature',
  '/Dc/1/Voltage',
  '/Dc/0/MidVoltage',
  '/Dc/0/MidVoltageDeviation',
  '/ConsumedAmphours',
  '/TimeToGo',
  '/InstalledCapacity',
  '/Capacity',
  ...[
    'DeepestDischarge',
    'LastDischarge',
    'AverageDischarge',
    'ChargeCycles',
    'FullDischarges',
    'TotalAhDrawn',
    'MinimumVoltage',
    'MaximumVoltage',
    'MinimumCellVoltage',
    'MaximumCellVoltage',
    'TimeSinceLastFullCharge',
    'AutomaticSyncs',
    'LowVoltageAlarms',
    'HighVoltageAlarms',
    'LowStarterVoltageAlarms',
    'HighStarterVoltageAlarms',
    'MinimumStarterVoltage',
    'MaximumStarterVoltage',
    'MinimumTemperature',
    'MaximumTemperature',
    'DischargedEnergy',
    'ChargedEnergy',
  ].map((n) => `/History/${n}`),
];

/** The mirror is on exactly when a DVCC target and a battery monitor are configured. */
export function mirrorsMonitor(dvcc: boolean, monitor: BatteryMonitorConfig | undefined): boolean {
  return dvcc && monitor !== undefined;
}

export interface BatteryPictureOptions {
  /** Our own service name (com.victronenergy.battery.smallbms...). */
  serviceName: string;
  /** A DVCC target is configured (we publish /Info/MaxChargeVoltage). */
  dvcc: boolean;
  monitor: BatteryMonitorConfig | undefined;
  remote: RemoteValues;
  onChange: () => void;
}

const SYSTEM_PATHS = ['/Dc/Battery/BatteryService', '/ActiveBmsService', '/Control/Dvcc'];

export class BatteryPicture {
  private readonly mirrored = new Map<string, ItemValue>();
  private readonly system = new Map<string, ValueUpdate>();
  private unwatch: (() => void)[] = [];

  constructor(private readonly o: BatteryPictureOptions) {}

  start(): void {
    const { remote, monitor } = this.o;
    if (mirrorsMonitor(this.o.dvcc, monitor) && monitor) {
      for (const path of MIRROR_PATHS) {
        this.mirrored.set(path, null);
        this.unwatch.push(
          remote.watch(monitor.service, path, (u) => {
            // Numbers only: our paths are 'd' (a string from a foreign monitor reads invalid).
            const next = u.present && typeof u.value === 'number' ? u.value : null;
            if (this.mirrored.get(path) === next) return;
            this.mirrored.set(path, next);
            this.o.onChange();
          }),
        );
      }
    }
    for (const path of SYSTEM_PATHS) {
      this.unwatch.push(
        remote.watch(SYSTEM_SERVICE, path, (u) => {
          const before = this.notes().join();
          this.system.set(path, u);
          if (this.notes().join() !== before) this.o.onChange();
        }),
      );
    }
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  /** Mirrored monitor values for our service (empty without a mirror). */
  values(): Record<string, ItemValue> {
    return Object.fromEntries(this.mirrored);
  }

  /** The GX takes its battery values from this service (systemcalc /Dc/Battery/BatteryService). */
  isSystemBatteryMonitor(): boolean {
    return this.system.get('/Dc/Battery/BatteryService')?.value === this.o.serviceName;
  }

  /** What the GX does with us, when it matters to the user (for /Bms/Notes and status). */
  notes(): string[] {
    const sys = (p: string): unknown => this.system.get(p)?.value;
    if (this.system.get('/Control/Dvcc')?.present !== true) return [];
    const us = this.o.serviceName;
    const monitorName = this.o.monitor?.service ?? 'your battery monitor';
    const out: string[] = [];
    if (this.isSystemBatteryMonitor()) {
      out.push(
        this.o.dvcc
          ? `the GX uses this service as its battery monitor (values mirrored from ${monitorName}); to keep ${monitorName} in charge set ${MENU.batteryMonitor} to it`
          : `the GX auto-selected this service as its battery monitor (no other battery service connected); set ${MENU.batteryMonitor} to ${monitorName}`,
      );
    }
    if (this.o.dvcc) {
      const bms = sys('/ActiveBmsService');
      if (sys('/Control/Dvcc') !== 1) {
        out.push(`DVCC is off (${MENU.dvcc}): the DVCC target limits nothing`);
      } else if (bms !== us) {
        out.push(
          `the GX's controlling BMS is ${typeof bms === 'string' ? bms : 'none'}, not this service: the DVCC target limits nothing (${MENU.controllingBms})`,
        );
      }
    }
    return out;
  }
}
