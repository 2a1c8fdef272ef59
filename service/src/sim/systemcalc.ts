/**
 * The part of com.victronenergy.system (dbus-systemcalc-py) we depend on: GX relays through
 * /Relay/<i>/State and /SwitchableOutput/<i>/... (systemcalc-relays.ts; written to
 * <gpioRoot>/relay_<i+1>/value), InitialState restore for manual relays, and /Buzzer/State.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectBus, type Bus } from '../venus/bus';
import type { ItemSpec, ItemValue } from '../venus/busitem';
import { SettingsClient, type SettingSpec } from '../venus/settings';
import { DummyService } from './dummy-service';
import { SystemcalcBattery, systemBatteryPaths } from './systemcalc-battery';
import {
  RELAY_UI_SETTINGS,
  relayItems,
  relaySettingPath,
  relaySettingSpecs,
  stateValues,
  writtenRelay,
} from './systemcalc-relays';

export const RELAY_MANUAL = 2;

export interface SystemcalcOptions {
  address: string;
  /** Where relay_<n>/value files live; omit to keep relays in memory only. */
  gpioRoot?: string;
  relays?: number;
  buzzer?: boolean;
  /** Period of the /Dc/Battery/* update (systemcalc: 1 s). */
  batteryTickMs?: number;
}

/** venus.md: relay 0 uses /Settings/Relay/Function (default alarm), relay 1 /Settings/Relay/1/Function (manual). */
/** venus-platform's polarity setting, unnumbered for the first relay like the function. */
export function relayPolarityPath(relay: number): string {
  return relay === 0 ? '/Settings/Relay/Polarity' : `/Settings/Relay/${relay}/Polarity`;
}

export function relayFunctionPath(relay: number): string {
  return relay === 0 ? '/Settings/Relay/Function' : `/Settings/Relay/${relay}/Function`;
}

export function relayInitialStatePath(relay: number): string {
  return `/Settings/Relay/${relay}/InitialState`;
}

export class SystemcalcStandIn extends DummyService {
  private settingsBus: Bus | undefined;
  private settings: SettingsClient | undefined;
  private readonly relays: number;
  /** Battery monitor / BMS selection and /Dc/Battery/* (systemcalc-battery.ts). */
  battery: SystemcalcBattery | undefined;

  constructor(private readonly sys: SystemcalcOptions) {
    const relays = sys.relays ?? 2;
    const paths: Record<string, ItemSpec> = {};
    const hooks = {
      fn: (relay: number): number => this.relayFunction(relay),
      setFunction: (relay: number, v: number): void => {
        void this.settings?.setValue(relayFunctionPath(relay), v);
      },
      setSetting: (relay: number, name: string, v: ItemValue): Promise<boolean> =>
        this.settings && v !== null
          ? this.settings.setValue(`/Settings/Relay/${relay}/${name}`, v)
          : Promise.resolve(false),
    };
    for (let i = 0; i < relays; i++) Object.assign(paths, relayItems(i, hooks));
    if (sys.buzzer ?? true)
      paths['/Buzzer/State'] = { type: 'i', value: 0, writable: { values: [0, 1] } };
    Object.assign(paths, systemBatteryPaths());
    super({
      address: sys.address,
      name: 'com.victronenergy.system',
      mandatory: { deviceInstance: 0, productId: 0, productName: 'System calc (simulated)' },
      paths,
    });
    this.relays = relays;
  }

  override async start(): Promise<void> {
    await super.start();
    for (let i = 0; i < this.relays; i++) this.writeGpio(i, 0);
    this.settingsBus = await connectBus(this.sys.address);
    this.settings = new SettingsClient(this.settingsBus);
    await this.settings.start();
    this.battery = new SystemcalcBattery(
      this.settingsBus,
      this.settings,
      (v) => this.running && this.setMany(v),
      this.sys.batteryTickMs,
    );
    await this.battery.start();
    const specs: SettingSpec[] = [];
    for (let i = 0; i < this.relays; i++) {
      specs.push({
        path: relayFunctionPath(i),
        default: i === 0 ? 0 : RELAY_MANUAL,
        min: -1,
        max: 6,
      });
      specs.push(...relaySettingSpecs(i));
      // Added by venus-platform on a GX; 0 normally open, 1 normally closed.
      specs.push({ path: relayPolarityPath(i), default: 0, min: 0, max: 1 });
    }
    // relaystate.py syncs the function into its path every 5 s and switches a disabled
    // relay off; here at once.
    this.settings.onChange((path, value) => {
      for (let i = 0; i < this.relays && this.running; i++) {
        if (path !== relayFunctionPath(i) || typeof value !== 'number') continue;
        this.set(`/SwitchableOutput/${i}/Settings/Function`, value);
        if (value < 0) {
          this.setMany(stateValues(i, null));
          this.writeGpio(i, 0);
        }
      }
    });
    // localsettings may come later; restore manual relays once it has answered.
    void this.settings.add(specs).then(
      () => this.restoreInitialStates(),
      () => undefined,
    );
  }

  override async stop(): Promise<void> {
    this.battery?.stop();
    this.settings?.stop();
    this.settingsBus?.disconnect();
    this.settings = undefined;
    this.settingsBus = undefined;
    await super.stop();
  }

  relayFunction(relay: number): number {
    const value = this.settings?.get(relayFunctionPath(relay));
    return typeof value === 'number' ? value : relay === 0 ? 0 : RELAY_MANUAL;
  }

  relayState(relay: number): ItemValue {
    return this.get(`/Relay/${relay}/State`);
  }

  protected override written(path: string, value: ItemValue): void {
    const relay = writtenRelay(path);
    if (relay === null || typeof value !== 'number') return;
    this.setMany(stateValues(relay, value));
    this.writeGpio(relay, value);
    // systemcalc remembers the manual state for the next boot.
    void this.settings?.setValue(relayInitialStatePath(relay), value);
  }

  private restoreInitialStates(): void {
    for (let i = 0; i < this.relays; i++) {
      if (!this.running) break;
      const ui: Record<string, ItemValue> = {
        [`/SwitchableOutput/${i}/Settings/Function`]: this.relayFunction(i),
      };
      for (const name of RELAY_UI_SETTINGS) {
        const v = this.settings?.get(relaySettingPath(i, name));
        if (v !== undefined) ui[`/SwitchableOutput/${i}/Settings/${name}`] = v;
      }
      this.setMany(ui);
      if (this.relayFunction(i) !== RELAY_MANUAL) continue;
      const initial = this.settings?.get(relayInitialStatePath(i));
      if (typeof initial !== 'number' || !this.running) continue;
      this.setMany(stateValues(i, initial));
      this.writeGpio(i, initial);
    }
  }

  /** relaystate.py `_relay_polarity`: 1 when the relay is manual and set normally closed. */
  relayPolarity(relay: number): number {
    if (this.relayFunction(relay) !== RELAY_MANUAL) return 0;
    return this.settings?.get(relayPolarityPath(relay)) === 1 ? 1 : 0;
  }

  /** The relay file gets the state flipped by the polarity, as relaystate.py writes it. */
  private writeGpio(relay: number, state: number): void {
    if (!this.sys.gpioRoot) return;
    const value = state ^ this.relayPolarity(relay);
    const dir = join(this.sys.gpioRoot, `relay_${relay + 1}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'value'), `${value}\n`);
  }
}
