/**
 * The GX relays of the systemcalc stand-in, after dbus-systemcalc-py v2.256
 * `delegates/relaystate.py` (read 2026-11-29): every built-in relay is published twice,
 * as `/Relay/<i>/State` and as a switchable output (`/SwitchableOutput/<i>/State|Status|
 * Name|Settings/...`, which gui-v2 shows in its Switches pane unless ShowUIControl is 0).
 * A write to either State path drives the relay (refused only when its function is
 * "disabled", -1), mirrors the other path and Status, writes the relay file, and stores the
 * state as InitialState (restored at start when the relay is manual). The Group,
 * CustomName and ShowUIControl paths are backed by `/Settings/Relay/<i>/...` (numbered for
 * relay 0 too); writes to them are stored there. Settings changed behind systemcalc's back
 * are not reflected in its paths (relaystate.py has no settings_changed), as on a GX.
 */
import type { ItemSpec, ItemValue } from '../venus/busitem';
import type { SettingSpec } from '../venus/settings';

export const RELAY_DISABLED = -1;
/** Status codes of a switchable output: 0x00 off, 0x09 on, 0x20 disabled. */
export const STATUS_OFF = 0x00;
export const STATUS_ON = 0x09;
export const STATUS_DISABLED = 0x20;

/** `/Settings/Relay/<i>/<name>` for the switchable-output settings. */
export const RELAY_UI_SETTINGS = ['Group', 'CustomName', 'ShowUIControl'] as const;
export type RelayUiSetting = (typeof RELAY_UI_SETTINGS)[number];

export function relaySettingPath(relay: number, name: RelayUiSetting): string {
  return `/Settings/Relay/${relay}/${name}`;
}

/** First relay: every function (alarm … genset helper); the others: manual and temperature. */
export function validFunctions(relay: number): number {
  return relay === 0 ? 0b111111 : 0b10100;
}

export interface RelayHooks {
  /** Current function setting of the relay. */
  fn(relay: number): number;
  /** Store a function (from /SwitchableOutput/<i>/Settings/Function). */
  setFunction(relay: number, value: number): void;
  /** Store a Group/CustomName/ShowUIControl setting. */
  setSetting(relay: number, name: RelayUiSetting, value: ItemValue): boolean | Promise<boolean>;
}

/** The D-Bus paths of relay `i` (the `/Relay/<i>/State` path included). */
export function relayItems(i: number, hooks: RelayHooks): Record<string, ItemSpec> {
  const stateWrite = {
    values: [0, 1],
    onSet: () => hooks.fn(i) !== RELAY_DISABLED,
  };
  const items: Record<string, ItemSpec> = {
    [`/Relay/${i}/State`]: { type: 'i', value: 0, writable: stateWrite },
    [`/SwitchableOutput/${i}/State`]: { type: 'i', value: 0, writable: stateWrite },
    [`/SwitchableOutput/${i}/Name`]: { type: 's', value: `GX internal relay ${i + 1}` },
    [`/SwitchableOutput/${i}/Status`]: { type: 'i', value: STATUS_OFF },
    [`/SwitchableOutput/${i}/Settings/Group`]: {
      type: 's',
      value: '',
      writable: { onSet: (v) => hooks.setSetting(i, 'Group', v) },
    },
    [`/SwitchableOutput/${i}/Settings/CustomName`]: {
      type: 's',
      value: '',
      writable: { onSet: (v) => hooks.setSetting(i, 'CustomName', v) },
    },
    [`/SwitchableOutput/${i}/Settings/ShowUIControl`]: {
      type: 'i',
      value: 1,
      writable: { onSet: (v) => hooks.setSetting(i, 'ShowUIControl', v) },
    },
    // Read/write, but only "toggle" (1) is accepted.
    [`/SwitchableOutput/${i}/Settings/Type`]: { type: 'i', value: 1, writable: { values: [1] } },
    [`/SwitchableOutput/${i}/Settings/ValidTypes`]: { type: 'i', value: 2 },
    [`/SwitchableOutput/${i}/Settings/Function`]: {
      type: 'i',
      value: null,
      writable: {
        onSet: (v) => {
          const f = Number(v);
          if (!(f >= 0 && f <= 5 && (2 ** f) & validFunctions(i))) return false;
          hooks.setFunction(i, f);
          return true;
        },
      },
    },
    [`/SwitchableOutput/${i}/Settings/ValidFunctions`]: { type: 'i', value: validFunctions(i) },
  };
  return items;
}

/** The localsettings entries relaystate.py adds for relay `i` (InitialState included). */
export function relaySettingSpecs(i: number): SettingSpec[] {
  return [
    { path: `/Settings/Relay/${i}/InitialState`, default: 0, min: 0, max: 1 },
    { path: relaySettingPath(i, 'Group'), default: '', type: 's' },
    { path: relaySettingPath(i, 'CustomName'), default: '', type: 's' },
    { path: relaySettingPath(i, 'ShowUIControl'), default: 1, min: 0, max: 0 },
  ];
}

/** The values both State paths and Status take for a relay state (null: disabled). */
export function stateValues(i: number, state: number | null): Record<string, ItemValue> {
  return {
    [`/Relay/${i}/State`]: state,
    [`/SwitchableOutput/${i}/State`]: state,
    [`/SwitchableOutput/${i}/Status`]:
      state === null ? STATUS_DISABLED : state ? STATUS_ON : STATUS_OFF,
  };
}

/** Which relay a State path written from D-Bus belongs to, or null. */
export function writtenRelay(path: string): number | null {
  const m = /^\/(?:Relay|SwitchableOutput)\/(\d+)\/State$/.exec(path);
  return m ? Number(m[1]) : null;
}
