/**
 * The shape of /data/conf/smallbms.json after validation and defaults (schema.json is the
 * single source of truth for validation, defaults and descriptions; this file mirrors it
 * for the compiler).
 */
import type { LineRole, OutputName } from '../core/types';

/** A GX digital input read from sysfs: `<gpioRoot>/digital_input_<input>/value`, or `path`. */
export interface GpioLineSource {
  type: 'gpio';
  /** Digital input number as printed on the GX (1..4 on a Cerbo GX). */
  input?: number;
  /** A custom sysfs-like `value` file (absolute, or relative to gpioRoot). */
  path?: string;
  /** Poll interval in ms. */
  pollMs: number;
}

/** A Venus digital-input service `com.victronenergy.digitalinput.input_<input>` `/InputState`. */
export interface DigitalInputLineSource {
  type: 'digitalinput';
  input: number;
}

/** Any D-Bus path of another service, compared with a value. */
export interface DbusLineSource {
  type: 'dbus';
  service: string;
  path: string;
  /** asserted ⇔ (value <op> compareValue). */
  op: '==' | '!=' | '>' | '>=' | '<' | '<=';
  value: number;
  /** Seconds without a confirmed value before the line is unhealthy (0 = only when gone). */
  staleTimeoutS: number;
}

export type LineSource = GpioLineSource | DigitalInputLineSource | DbusLineSource;

export interface LineConfig {
  source: LineSource;
  /**
   * The raw level (0 or 1) that means "asserted", for gpio and digitalinput sources.
   * Default 0: GX inputs are pulled up, so a closed contact reads 0 and a broken wire reads
   * 1 = not asserted (fail-safe wiring).
   */
  assertedLevel: 0 | 1;
  debounceMs: number;
}

interface TargetBase {
  /** Drive the opposite level (rare wiring where de-energised = allowed). */
  invert: boolean;
}
/** GX relay by the number printed on the device (1 = relay_1 = systemcalc /Relay/0). */
export interface RelayTarget extends TargetBase {
  type: 'relay';
  relay: number;
}
/** GX IO-Extender channel: `<service> /SwitchableOutput/<channel>/State`. */
export interface SwitchTarget extends TargetBase {
  type: 'switch';
  service: string;
  channel: number;
}
/** A sysfs-like GPIO `value` file (absolute, or relative to gpioRoot). */
export interface GpioTarget extends TargetBase {
  type: 'gpio';
  path: string;
}
/** Another service's mode path (inverter, charger, solar charger, DC-DC converter). */
export interface DeviceTarget extends TargetBase {
  type: 'device';
  service: string;
  path: string;
  onValue: number;
  offValue: number;
}
/** Our battery service's DVCC face: CCL/DCL = 0 and /Io/AllowTo* when not allowed. */
export interface DvccTarget extends TargetBase {
  type: 'dvcc';
}
/** The GX buzzer, `com.victronenergy.system /Buzzer/State` (pre-alarm only). */
export interface BuzzerTarget extends TargetBase {
  type: 'buzzer';
}
export type OutputTarget =
  RelayTarget | SwitchTarget | GpioTarget | DeviceTarget | DvccTarget | BuzzerTarget;

/** Initial values of the live tunables (stored in localsettings after the first start). */
export interface TunablesConfig {
  preAlarmLeadS: number;
  dischargeFloorPct: number;
  lowSocMarginPct: number;
  lowSocShutdownDelayS: number;
  socHysteresisPct: number;
  /** Charge-detect voltage per 12 V of system voltage (13.3 → 26.6 V on a 24 V system). */
  chargeDetectVoltagePer12V: number;
  chargeDetectCurrentA: number;
  chargeDetectHoldS: number;
  minOffTimeS: number;
  preAlarmAfterDisconnect: boolean;
  preAlarmMode: 'continuous' | 'intermittent';
}

export interface BatteryMonitorConfig {
  /** D-Bus service of the battery monitor that gives SoC, voltage and current. */
  service: string;
  /** Seconds without an update before a measurement counts as stale. */
  staleTimeoutS: number;
}

export interface MqttConfig {
  enabled: boolean;
  url: string;
  username?: string;
  password?: string;
  /** Topic prefix; `{portalId}` is replaced by the GX portal id. */
  prefix: string;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  homeAssistant: { enabled: boolean; discoveryPrefix: string };
}

export type BoardName = 'cerbo-gx' | 'ekrano-gx' | 'simulated';

export interface SmallBmsConfig {
  /** Bank name: `Default` → com.victronenergy.battery.smallbms; other → ...smallbms_<name>. */
  name: string;
  board: BoardName;
  gpioRoot: string;
  dataDir: string;
  systemVoltage: 12 | 24 | 48;
  lines: Partial<Record<LineRole, LineConfig>>;
  outputs: Record<OutputName, OutputTarget[]>;
  batteryMonitor?: BatteryMonitorConfig;
  tunables: TunablesConfig;
  /** What the relays do on a GX reboot: `safe` writes InitialState = not allowed. */
  bootPolicy: 'safe' | 'hold';
  /** Start in commissioning mode: the engine runs, no target is driven. */
  dryRun: boolean;
  history: { maxEvents: number };
  mqtt: MqttConfig;
}
