/**
 * The user's switches while the service runs: the software remote (/Mode, MQTT), dry run
 * (the config, D-Bus /Bms/DryRun) and the commissioning test of one output
 * (/Bms/TestOutput: force one output on or off in dry run, and end the test). Loaded at construction from what survived the restart (controls.ts,
 * where an edited config wins). A change goes, in this order: to the output driver (dry
 * run), the log, the event history (a dry-run change), the engine and the consumers
 * (`changed`: evaluate, publish), and last to <dataDir>/controls.json.
 */
import type { Logger } from 'pino';
import type { OutputName } from '../core/types';
import type { DriveReport } from '../../hw/targets/target-events';
import { OUTPUT_WORDS, TEST_ENDED, TEST_REFUSED, shortTarget } from '../words';
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
  /** Force `output` on/off (true/false), or end its test (null). */
  testOutput: (output: OutputName, level: boolean | null) => Promise<DriveReport[]>;
  /** Record a commissioning action as an event (and publish). */
  record: (name: string, from: boolean | null, to: boolean, reason: string) => void;
  /** The controls changed: the engine re-evaluates and everything is published. */
  changed: () => void;
}

export class UserControls {
  private controls: Controls;
  /** The edited config switched dry run at this start: an event once the history is open. */
  private readonly dryRunFromEditedConfig: boolean;
  /** The last relay test action in words (/Bms/TestOutput/Result); "" since dry run changed. */
  private testText = '';

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

  get testResult(): string {
    return this.testText;
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

  /**
   * Commissioning: force one output's targets on or off (`level` true/false), or end the test
   * (`null`: back to the engine's level). The driver refuses outside dry run. Every action is
   * an event, refused or not, and its result in words is kept for the console.
   */
  async testOutput(output: OutputName, level: boolean | null): Promise<boolean> {
    const reports = await this.o.testOutput(output, level);
    this.o.logger.info({ output, level, reports: reports.map((r) => r.result) }, 'test output');
    const ok = reports.length > 0 && reports.every((r) => r.result.status === 'ok');
    const results = reports.map((r) => `${r.target}: ${r.result.message || r.result.status}`);
    const how = `${ok ? 'driven' : 'not driven'} (${results.join('; ') || 'no target'})`;
    const ended = level === null ? `${TEST_ENDED}, back to the engine's level: ` : '';
    const to = level ?? reports[0]?.on ?? false;
    const label = OUTPUT_WORDS[output];
    const onOff = (on: boolean): string => (on ? 'ON' : 'OFF');
    if (!this.controls.dryRun) {
      this.testText = TEST_REFUSED;
    } else if (reports.length === 0) {
      this.testText = `${label}: no target configured, nothing to test`;
    } else {
      const each = reports
        .map((r) =>
          r.result.status === 'ok'
            ? `${shortTarget(r.target)} ${onOff(r.on)}`
            : `${shortTarget(r.target)} not driven: ${r.result.message}`,
        )
        .join(', ');
      this.testText =
        level === null
          ? `${label}: test ended, back to the engine's level (${each})`
          : `${label}: test, forced ${onOff(level)} (${each})`;
    }
    this.o.record(`test-output ${output}`, null, to, `D-Bus /Bms/TestOutput: ${ended}${how}`);
    return ok;
  }

  private async set(next: Controls): Promise<boolean> {
    const before = this.controls;
    this.controls = next;
    if (next.dryRun !== before.dryRun) await this.o.setDryRun(next.dryRun);
    this.o.logger.info({ remoteOn: next.remoteOn, dryRun: next.dryRun }, 'controls');
    if (next.dryRun !== before.dryRun) {
      this.testText = '';
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
