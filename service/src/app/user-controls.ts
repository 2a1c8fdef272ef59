/**
 * The user's switches while the service runs: the software remote (/Mode, MQTT), dry run
 * (the config, D-Bus /Bms/DryRun) and the commissioning test of one output
 * (/Bms/TestOutput). Loaded at construction from what survived the restart (controls.ts,
 * where an edited config wins). A change goes, in this order: to the output driver (dry
 * run), the log, the event history (a dry-run change), the engine and the consumers
 * (`changed`: evaluate, publish), and last to <dataDir>/controls.json.
 */
import type { Logger } from 'pino';
import type { OutputName } from '../core/types';
import type { DriveReport } from '../../hw/targets/target-events';
import { dryRunNote, loadControls, saveControls, type Controls } from './controls';

/** Who set dry run over D-Bus: the console, `smallbms dry-run`, or MQTT W/ (dbus-mqtt). */
const DRY_RUN_BY_DBUS = 'D-Bus /Bms/DryRun (console, smallbms dry-run or MQTT)';

export interface UserControlsOptions {
  dataDir: string;
  /** The config's `dryRun`. */
  configDryRun: boolean;
  logger: Logger;
  /** The output driver's (called only after construction, like the others). */
  setDryRun: (on: boolean) => Promise<void>;
  testOutput: (output: OutputName, on: boolean) => Promise<DriveReport[]>;
  /** Record a commissioning action as an event (and publish). */
  record: (name: string, from: boolean | null, to: boolean, reason: string) => void;
  /** The controls changed: the engine re-evaluates and everything is published. */
  changed: () => void;
}

export class UserControls {
  private controls: Controls;
  /** The edited config switched dry run at this start: an event once the history is open. */
  private readonly dryRunFromEditedConfig: boolean;

  constructor(private readonly o: UserControlsOptions) {
    const { logger } = o;
    const loaded = loadControls(o.dataDir, o.configDryRun);
    this.controls = loaded.controls;
    if (loaded.warning) logger.warn(loaded.warning);
    this.dryRunFromEditedConfig = loaded.configWon;
    if (loaded.configWon) logger.warn({ dryRun: o.configDryRun }, 'dry run from the edited config');
    if (loaded.stale) void this.save(this.controls);
    if (this.controls.dryRun) logger.warn(dryRunNote(this.controls));
  }

  get current(): Controls {
    return this.controls;
  }

  /** The event of a dry run switched by the edited config (once the history is open). */
  recordEditedConfig(): void {
    if (!this.dryRunFromEditedConfig) return;
    const on = this.controls.dryRun;
    this.o.record('dryRun', !on, on, `set by ${this.controls.dryRunBy} (edited)`);
  }

  /** The software remote (/Mode on D-Bus, `mode` over MQTT). */
  setRemote(on: boolean): Promise<boolean> {
    return this.set({ ...this.controls, remoteOn: on });
  }

  /** Dry run from D-Bus /Bms/DryRun. */
  setDryRun(on: boolean): Promise<boolean> {
    return this.set({ ...this.controls, dryRun: on, dryRunBy: DRY_RUN_BY_DBUS });
  }

  /** Commissioning: drive one output's targets once (the driver refuses outside dry run). */
  async testOutput(output: OutputName, on: boolean): Promise<boolean> {
    const reports = await this.o.testOutput(output, on);
    this.o.logger.info({ output, on, reports: reports.map((r) => r.result) }, 'test output');
    const ok = reports.length > 0 && reports.every((r) => r.result.status === 'ok');
    const results = reports.map((r) => `${r.target}: ${r.result.message || r.result.status}`);
    const how = `${ok ? 'driven' : 'not driven'} (${results.join('; ') || 'no target'})`;
    this.o.record(`test-output ${output}`, null, on, `D-Bus /Bms/TestOutput: ${how}`);
    return ok;
  }

  private async set(next: Controls): Promise<boolean> {
    const before = this.controls;
    this.controls = next;
    if (next.dryRun !== before.dryRun) await this.o.setDryRun(next.dryRun);
    this.o.logger.info({ remoteOn: next.remoteOn, dryRun: next.dryRun }, 'controls');
    if (next.dryRun !== before.dryRun) {
      this.o.record('dryRun', before.dryRun, next.dryRun, `set by ${next.dryRunBy}`);
      if (next.dryRun) this.o.logger.warn(dryRunNote(next));
    }
    this.o.changed();
    await this.save(next);
    return true;
  }

  private async save(c: Controls): Promise<void> {
    try {
      await saveControls(this.o.dataDir, c);
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'controls cannot be saved');
    }
  }
}
