import type { RelayTarget as RelayTargetConfig } from '../../src/config/types';
import type { RemoteValues, ValueUpdate, VeValue } from '../../src/venus/api';
import {
  OK,
  type Target,
  type TargetObserver,
  type TargetReading,
  type TargetResult,
  type TargetResultListener,
} from './types';

export const SYSTEM_SERVICE = 'com.victronenergy.system';
export const SETTINGS_SERVICE = 'com.victronenergy.settings';
export const RELAY_FUNCTION_MANUAL = 2;

/** gui-v2 SwitchableOutput_Function names, for readable refusals. */
const FUNCTION_NAMES: Record<number, string> = {
  [-1]: 'disabled',
  0: 'alarm',
  1: 'genset start/stop',
  2: 'manual',
  3: 'tank pump',
  4: 'temperature',
  5: 'genset helper',
  6: 'opportunity load',
};

/** Paths of GX relay N (1-based, as printed on the device). */
export function relayPaths(relay: number): {
  state: string;
  fn: string;
  initialState: string;
  showUiControl: string;
  polarity: string;
} {
  const i = relay - 1;
  return {
    state: `/Relay/${i}/State`,
    // relaystate.py (v2.256): numbered for every relay, 0 included; default 1 (shown).
    showUiControl: `/Settings/Relay/${i}/ShowUIControl`,
    // venus-platform keeps the first relay's function at the unnumbered path.
    fn: i === 0 ? '/Settings/Relay/Function' : `/Settings/Relay/${i}/Function`,
    // Like the function: unnumbered for the first relay (relaystate.py _relay_polarity).
    polarity: i === 0 ? '/Settings/Relay/Polarity' : `/Settings/Relay/${i}/Polarity`,
    // dbus-systemcalc-py delegates/relaystate.py: numbered for every relay, 0 included.
    initialState: `/Settings/Relay/${i}/InitialState`,
  };
}

export interface RelayTargetOptions {
  /**
   * Keep `/Settings/Relay/<i>/InitialState` at this logical level (boot policy "safe":
   * false). systemcalc rewrites InitialState on every /Relay/<i>/State write, so it is
   * written again after each successful drive. Undefined = leave it (boot policy "hold").
   */
  bootLevel?: boolean;
}

/**
 * A GX relay, driven through systemcalc (`com.victronenergy.system /Relay/<N-1>/State`),
 * never through sysfs, so polarity, the GUI and MQTT stay right. It is driven only while
 * its function setting is manual (2); otherwise it is refused, with a message the service
 * shows as an error. When the function becomes manual again the last wanted level is
 * re-applied at once and reported through onResult.
 */
export class RelayTarget implements Target {
  readonly type = 'relay';
  readonly blinkable = false; // a mechanical relay is not a blinker
  private readonly paths: ReturnType<typeof relayPaths>;
  /** Function setting as last seen; undefined = not known (yet). */
  private fn: number | undefined;
  private fnKnown = false;
  private unwatch: (() => void) | null = null;
  private unwatchState: (() => void) | null = null;
  private unwatchPolarity: (() => void) | null = null;
  private warning: string | null = null;
  private readonly warningListeners: ((warning: string | null) => void)[] = [];
  private readonly observers: TargetObserver[] = [];
  private wanted: boolean | null = null;
  private lastProblem: string | null = null;
  private readonly listeners: TargetResultListener[] = [];

  constructor(
    private readonly config: RelayTargetConfig,
    private readonly remote: RemoteValues,
    private readonly options: RelayTargetOptions = {},
  ) {
    this.paths = relayPaths(config.relay);
  }

  describe(): string {
    return `relay ${this.config.relay} (${SYSTEM_SERVICE} ${this.paths.state})${this.config.invert ? ' inverted' : ''}`;
  }

  problem(): string | null {
    return this.lastProblem ?? this.warning;
  }

  onWarning(listener: (warning: string | null) => void): void {
    this.warningListeners.push(listener);
  }

  onResult(listener: TargetResultListener): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.unwatch !== null) return;
    this.unwatch = this.remote.watch(SETTINGS_SERVICE, this.paths.fn, (u) => this.onFunction(u));
    this.unwatchPolarity = this.remote.watch(SETTINGS_SERVICE, this.paths.polarity, (u) =>
      this.onPolarity(u.present ? u.value : undefined),
    );
    if (this.observers.length === 0) return;
    this.unwatchState = this.remote.watch(SYSTEM_SERVICE, this.paths.state, (u) => {
      // Only a relay we own is followed: one whose function is not manual belongs to
      // whatever drives it now (genset, alarm, tank pump ...).
      if (!u.present || !this.fnKnown || this.refusal() !== null) return;
      const raw = u.value === undefined ? '-' : String(u.value);
      for (const o of this.observers) o(this.levelOf(u.value), raw);
    });
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.unwatchState?.();
    this.unwatchState = null;
    this.unwatchPolarity?.();
    this.unwatchPolarity = null;
  }

  observe(listener: TargetObserver): void {
    this.observers.push(listener);
  }

  async read(): Promise<TargetReading | null> {
    const v = await this.remote.getValue(SYSTEM_SERVICE, this.paths.state);
    if (v === undefined) return null;
    const level = this.levelOf(v);
    // Read back at start-up and left as it is: that level is the one we keep (and report
    // on when the function changes) until a drive says otherwise.
    if (this.wanted === null && level !== null) this.wanted = level;
    return { on: level, raw: String(v) };
  }

  private levelOf(v: VeValue | undefined): boolean | null {
    if (v !== 0 && v !== 1) return null;
    return (v === 1) !== this.config.invert;
  }

  async apply(on: boolean): Promise<TargetResult> {
    this.wanted = on;
    if (!this.fnKnown) {
      const v = await this.remote.getValue(SETTINGS_SERVICE, this.paths.fn);
      if (!this.fnKnown) this.setFunction(v); // a watch update may have overtaken the read
    }
    return this.drive(on);
  }

  /** Boot policy "safe": keep InitialState at the safe level (no write with "hold"). */
  keepBootLevel(): Promise<TargetResult> {
    if (this.options.bootLevel === undefined) return Promise.resolve(OK);
    return this.writeInitialState(this.options.bootLevel);
  }

  /** Write InitialState so a GX reboot restores this logical level (systemcalc, manual only). */
  async writeInitialState(safeOn: boolean): Promise<TargetResult> {
    const raw = safeOn !== this.config.invert ? 1 : 0;
    const ok = await this.remote.setValue(SETTINGS_SERVICE, this.paths.initialState, raw);
    return ok
      ? OK
      : { status: 'error', message: `could not write ${this.paths.initialState} = ${raw}` };
  }

  private async drive(on: boolean): Promise<TargetResult> {
    const refusal = this.refusal();
    if (refusal !== null) return this.settle({ status: 'refused', message: refusal });
    const raw = on !== this.config.invert ? 1 : 0;
    const ok = await this.remote.setValue(SYSTEM_SERVICE, this.paths.state, raw);
    if (!ok) {
      return this.settle({
        status: 'error',
        message: `relay ${this.config.relay}: ${SYSTEM_SERVICE} refused ${this.paths.state} = ${raw}`,
      });
    }
    if (this.options.bootLevel !== undefined) {
      const r = await this.writeInitialState(this.options.bootLevel);
      if (r.status !== 'ok')
        return this.settle({ ...r, message: `relay ${this.config.relay}: ${r.message}` });
    }
    return this.settle(OK);
  }

  private settle(result: TargetResult): TargetResult {
    this.lastProblem = result.status === 'ok' ? null : result.message;
    return result;
  }

  private refusal(): string | null {
    const n = this.config.relay;
    // systemcalc does not manage the function of a 3rd+ relay: it behaves as manual.
    if (this.fn === undefined && n >= 3) return null;
    if (this.fn === RELAY_FUNCTION_MANUAL) return null;
    if (this.fn === undefined) {
      return `relay ${n} function unknown (${SETTINGS_SERVICE} ${this.paths.fn} not readable): not driven`;
    }
    const name = FUNCTION_NAMES[this.fn] ?? 'unknown';
    return `relay ${n} function is '${name}' (${this.fn}), not manual: not driven`;
  }

  private onFunction(update: ValueUpdate): void {
    const wasManual = this.refusal() === null && this.fnKnown;
    this.setFunction(update.present ? update.value : undefined);
    const isManual = this.refusal() === null;
    if (this.wanted === null) return;
    if (isManual && !wasManual) {
      const on = this.wanted;
      void this.drive(on).then((r) => this.report(on, r));
    } else if (!isManual) {
      // Visible at once, not only at the next drive: someone else now owns the relay.
      this.report(this.wanted, this.settle({ status: 'refused', message: this.refusal() ?? '' }));
    }
  }

  /**
   * systemcalc flips a manual relay whose polarity is "normally closed" (1): /Relay/<i>/State
   * = 1 then releases the coil. Unless `invert` undoes it, "allowed" is a released relay, so a
   * GX without power allows (or, wired to the normally-open contact as the README says, the
   * loads are off while allowed). Driven anyway (it is the installer's setting), but said.
   */
  private onPolarity(value: unknown): void {
    const nc = value === 1;
    const w =
      nc && !this.config.invert
        ? `relay ${this.config.relay} polarity is 'normally closed' (${SETTINGS_SERVICE} ${this.paths.polarity} = 1): ` +
          `"allowed" releases the relay, so a GX without power does not disconnect; set it to 'normally open'`
        : null;
    if (w === this.warning) return;
    this.warning = w;
    for (const l of this.warningListeners) l(w);
  }

  private setFunction(value: unknown): void {
    this.fnKnown = true;
    this.fn = typeof value === 'number' && Number.isInteger(value) ? value : undefined;
  }

  private report(on: boolean, result: TargetResult): void {
    for (const l of this.listeners) l(on, result);
  }
}
