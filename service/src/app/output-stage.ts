/**
 * Our outputs, from the engine's decision to the targets (behaviour.md sections 4 and 6):
 * the targets configured for load, charge and pre-alarm, driven by the output driver; the
 * levels the previous run left (<dataDir>/outputs.json), shown while STARTING holds them;
 * the start-up read-back, so that the first decision writes only what differs
 * (read-back-gate.ts); the relays' boot levels and their Switches-pane controls
 * (relay-ui.ts); and what our battery service shows of them (the DVCC limits and
 * /Alarms/InternalFailure, with the warning of outside writes from overrides.ts).
 */
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { OutputName, Outputs } from '../core/types';
import type { SmallBmsConfig, TunablesConfig } from '../config/types';
import { HeldOutputsStore } from '../store/held-outputs';
import type { ServiceMonitor } from '../venus/monitor';
import type { Clock } from '../../hw/clock';
import { buildTargets, type BuiltTargets } from '../../hw/targets/build';
import { OutputDriver } from '../../hw/targets/driver';
import { followOwnedRelays } from '../../hw/targets/relay-ui';
import type { TargetEvent } from '../../hw/targets/target-events';
import { dvccLimits, type DvccState } from './battery-service';
import { OverrideWarning } from './overrides';
import { ReadBackGate } from './read-back-gate';

export interface OutputStageOptions {
  config: SmallBmsConfig;
  clock: Clock;
  logger: Logger;
  /** null: no D-Bus (then only targets that need none). */
  monitor: ServiceMonitor | null;
  dryRun: boolean;
  preAlarmMode: TunablesConfig['preAlarmMode'];
  /** What the status shows changed: a write done, a DVCC target, the warning cleared. */
  publish: () => void;
  /** A target problem or an outside write at `now`, to record (`publish` follows). */
  record: (event: TargetEvent, now: number) => void;
}

export class OutputStage {
  readonly targets: BuiltTargets;
  readonly driver: OutputDriver;
  /** What the previous run left (this boot), shown while STARTING holds the outputs. */
  readonly held: Outputs | null;
  private readonly heldStore: HeldOutputsStore;
  /** Target levels read back: until then a decision waits (bounded) so only differences go. */
  private readonly gate: ReadBackGate;
  /** Outside writes to our targets (the InternalFailure warning). */
  private readonly overrides: OverrideWarning;
  private unwatchUi: (() => void) | null = null;

  constructor(private readonly o: OutputStageOptions) {
    const { config, clock, logger } = o;
    this.heldStore = new HeldOutputsStore(path.join(config.dataDir, 'outputs.json'));
    this.held = this.heldStore.load();
    this.targets = buildTargets(config, o.monitor ?? undefined, { clock, held: this.held });
    this.driver = new OutputDriver(this.targets.byOutput, {
      clock,
      dryRun: o.dryRun,
      preAlarmMode: o.preAlarmMode,
      onReport: (r) => {
        const log = { output: r.output, target: r.target, on: r.on, status: r.result.status };
        if (r.result.status === 'ok') logger.debug(log, 'target driven');
        else logger.warn({ ...log, why: r.result.message }, 'target not driven');
        o.publish();
      },
      onTargetEvent: (e) => this.onTargetEvent(e),
      onSeen: () => o.publish(),
    });
    for (const { target } of this.targets.dvcc) target.onChange(() => o.publish());
    this.gate = new ReadBackGate((outputs) => void this.driver.applyAll(outputs));
    this.overrides = new OverrideWarning(clock, () => o.publish());
  }

  /** Some output is a DVCC target (our battery service then carries the limits). */
  get hasDvcc(): boolean {
    return this.targets.dvcc.length > 0;
  }

  /**
   * Start the targets and read their levels back (bounded) while the lines are read; the
   * relays keep their boot level and leave the Switches pane. `stopped`: the service is
   * stopping, so a decision that waited for the read-back is not written any more.
   */
  start(stopped: () => boolean): void {
    const { logger } = this.o;
    this.driver.start();
    // Read back while the lines are read. Bounded: a target that does not answer is
    // written at the decision (the level it already has, in the usual case).
    this.gate.open(this.driver.readBack(), stopped);
    for (const relay of this.targets.relays) {
      void relay.keepBootLevel().then((r) => {
        if (r.status !== 'ok') logger.warn({ why: r.message }, 'relay InitialState not kept');
      });
    }
    this.hideRelayControls();
  }

  /** The engine decided (not STARTING): drive what differs, and keep it for the next run. */
  decide(outputs: Outputs, dryRun: boolean): void {
    this.gate.decide(outputs);
    if (!dryRun) {
      this.heldStore.save(outputs, (err) =>
        this.o.logger.error({ err: err.message }, 'outputs cannot be saved'),
      );
    }
  }

  /** 2 while a target cannot be driven; 1 (warning) while our targets keep being overridden. */
  internalFailure(): number {
    if (this.driver.problems().length > 0) return 2;
    return this.overrides.level(this.o.clock.now());
  }

  dvccState(): DvccState | undefined {
    if (this.targets.dvcc.length === 0) return undefined;
    const allowed = (output: OutputName): boolean =>
      this.targets.dvcc.filter((d) => d.output === output).every((d) => d.target.allowed === true);
    return {
      limits: dvccLimits(this.o.config.systemVoltage),
      chargeAllowed: allowed('charge'),
      loadAllowed: allowed('load'),
    };
  }

  /** First at stop: no more following the relays' controls, no warning timer. */
  halt(): void {
    this.unwatchUi?.();
    this.overrides.stop();
  }

  /** Let the writes under way finish (at most 1 s), then stop the targets. */
  async stop(): Promise<void> {
    await Promise.race([this.driver.idle(), new Promise((r) => setTimeout(r, 1000))]);
    this.driver.stop();
  }

  /** A target problem or an outside write: an event like any other (section 6). */
  private onTargetEvent(e: TargetEvent): void {
    const now = this.o.clock.now();
    this.o.record(e, now);
    if (e.what === 'overridden') this.overrides.record(now);
    this.o.publish();
  }

  /** Hide the relays we own from the Switches pane while systemcalc is there (relay-ui.ts). */
  private hideRelayControls(): void {
    if (!this.o.monitor) return;
    const owned = Object.values(this.o.config.outputs)
      .flat()
      .flatMap((t) => (t.type === 'relay' ? [t.relay - 1] : []));
    this.unwatchUi = followOwnedRelays(
      this.o.monitor,
      path.join(this.o.config.dataDir, 'relay-ui'),
      owned,
      this.o.logger,
    );
  }
}
