/**
 * `smallbms run`: config → hw → engine → targets, D-Bus, MQTT, history. Order of start-up
 * (behaviour.md section 4): the targets' current levels are read back and the lines are
 * read; no target is written while the engine is STARTING (held); once it has decided by
 * levels (rule 9), only the targets that differ are written. A restart of the service alone
 * never moves an output the rules keep where it is. D-Bus registration and MQTT come up in
 * the background: the protection never waits for them.
 */
import * as path from 'node:path';
import type { Logger } from 'pino';
import { paramsFromTunables } from '../core/params';
import {
  stateCode,
  type EngineEvent,
  type OutputName,
  type Outputs,
  type StepResult,
} from '../core/types';
import type { SmallBmsConfig, TunablesConfig } from '../config/types';
import { formatEvent, type HistoryEvent, type StatusSnapshot } from '../status';
import { EventHistory } from '../store/history';
import { HeldOutputsStore } from '../store/held-outputs';
import { MemoryStore } from '../store/memory-store';
import type { Bus } from '../venus/bus';
import { ServiceMonitor } from '../venus/monitor';
import type { Clock } from '../../hw/clock';
import { LineSet } from '../../hw/lines/lineset';
import { buildTargets, type BuiltTargets } from '../../hw/targets/build';
import { OutputDriver, type TargetEvent } from '../../hw/targets/driver';
import { followOwnedRelays } from '../../hw/targets/relay-ui';
import type { MqttBridge } from '../mqtt/bridge';
import type * as BridgeModule from '../mqtt/bridge';
import { batteryServiceName } from '../config/problem';
import { BatteryPicture } from './battery-picture';
import { dvccLimits, type DvccState } from './battery-service';
import { Controller } from './controller';
import { dryRunNote, loadControls, saveControls, type Controls } from './controls';
import { DbusFace } from './dbus-face';
import { Measurements } from './measurements';
import { OverrideCounter } from './overrides';

/** Logged once, when the engine has first decided (the start-up bench waits for it). */
export const START_LOG = 'protecting: outputs decided from the lines';

/** Who set dry run over D-Bus: the console, `smallbms dry-run`, or MQTT W/ (dbus-mqtt). */
const DRY_RUN_BY_DBUS = 'D-Bus /Bms/DryRun (console, smallbms dry-run or MQTT)';
import { MirrorRate } from './mirror-rate';

export interface AppOptions {
  config: SmallBmsConfig;
  clock: Clock;
  logger: Logger;
  version: string;
  /** null: run without D-Bus (the demo on a machine without dbus-daemon). */
  bus: Bus | null;
  portalId: string;
}

/**
 * The MQTT bridge and the mqtt package are initialised only when the config enables MQTT
 * (docs/performance.md). A plain `require`, so esbuild keeps the module's initialisation lazy
 * in dist/smallbms.js: an `import` would run it as soon as app.ts is loaded.
 */
function loadBridge(): typeof BridgeModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../mqtt/bridge') as typeof BridgeModule;
}

export class App {
  private readonly config: SmallBmsConfig;
  private tunables: TunablesConfig;
  private controls: Controls;
  private readonly history: EventHistory;
  private readonly memoryStore: MemoryStore;
  private readonly monitor: ServiceMonitor | null;
  private readonly targets: BuiltTargets;
  private readonly driver: OutputDriver;
  private readonly lines: LineSet;
  private readonly measurements: Measurements;
  private readonly picture: BatteryPicture | null;
  private readonly controller: Controller;
  private readonly face: DbusFace | null;
  private readonly mqtt: MqttBridge | null;
  private lastEvent: HistoryEvent | null = null;
  private stopped = false;
  private evaluating = false;
  private readonly heldStore: HeldOutputsStore;
  /** What the previous run left (this boot), shown while STARTING holds the outputs. */
  private readonly heldOutputs: Outputs | null;
  /** Target levels read back: until then a decision waits (bounded) so only differences go. */
  private readBack = false;
  private pendingOutputs: Outputs | null = null;
  private decided = false;
  /** Outside writes to our targets (the InternalFailure warning). */
  private readonly overrides = new OverrideCounter();
  private overrideTimer: ReturnType<Clock['setTimeout']> | null = null;
  private unwatchUi: (() => void) | null = null;
  /** The edited config switched dry run at this start: an event once the history is open. */
  private readonly dryRunFromEditedConfig: boolean;
  private readonly mirror: MirrorRate;
  private publications = 0;
  /** Which measurements were missing at the last publication. */
  private mirroredPresence = '';

  constructor(private readonly o: AppOptions) {
    const { config, clock, logger, bus } = o;
    this.config = config;
    this.tunables = config.tunables;
    const loaded = loadControls(config.dataDir, config.dryRun);
    this.controls = loaded.controls;
    if (loaded.warning) logger.warn(loaded.warning);
    this.dryRunFromEditedConfig = loaded.configWon;
    if (loaded.configWon) logger.warn({ dryRun: config.dryRun }, 'dry run from the edited config');
    if (loaded.stale) void this.saveControls(this.controls);
    if (this.controls.dryRun) logger.warn(dryRunNote(this.controls));

    this.history = new EventHistory({
      file: path.join(config.dataDir, 'events.jsonl'),
      maxEvents: config.history.maxEvents,
      onError: (e) => logger.error({ err: e.message }, 'event history cannot be written'),
    });
    this.memoryStore = new MemoryStore({ file: path.join(config.dataDir, 'state.json') });
    const restored = this.memoryStore.load(clock.now());
    if (restored.warning) logger.info(restored.warning);

    this.heldStore = new HeldOutputsStore(path.join(config.dataDir, 'outputs.json'));
    this.heldOutputs = this.heldStore.load();
    this.monitor = bus
      ? new ServiceMonitor(bus, { log: (m) => logger.debug(m), warn: (m) => logger.warn(m) })
      : null;
    this.targets = buildTargets(config, this.monitor ?? undefined, {
      clock,
      held: this.heldOutputs,
    });
    this.driver = new OutputDriver(this.targets.byOutput, {
      clock,
      dryRun: this.controls.dryRun,
      preAlarmMode: this.tunables.preAlarmMode,
      onReport: (r) => {
        const log = { output: r.output, target: r.target, on: r.on, status: r.result.status };
        if (r.result.status === 'ok') logger.debug(log, 'target driven');
        else logger.warn({ ...log, why: r.result.message }, 'target not driven');
        this.publish();
      },
      onTargetEvent: (e) => this.onTargetEvent(e),
    });
    for (const { target } of this.targets.dvcc) target.onChange(() => this.publish());
    this.lines = new LineSet(config, { clock, remote: this.monitor ?? undefined });
    this.mirror = new MirrorRate(clock, () => this.publish());
    this.measurements = new Measurements(
      config.batteryMonitor,
      this.monitor ?? undefined,
      clock,
      // A new reading may change no engine output, but /Soc, /Dc/0/* (and the MQTT state)
      // mirror it: published at once when the engine's result or a measurement's presence
      // changed, else at a bounded rate (mirror-rate.ts). Not bounded while the GX uses
      // this service as its battery monitor (DVCC, Automatic): systemcalc then copies our
      // /Dc/0/* and /Soc to the system's battery, which must not lag the monitor's.
      () => {
        const before = this.publications;
        this.evaluate();
        if (this.publications !== before) return;
        if (this.presence() !== this.mirroredPresence) this.publish();
        else if (this.picture?.isSystemBatteryMonitor()) this.publish();
        else this.mirror.reading();
      },
    );
    this.picture = this.monitor
      ? new BatteryPicture({
          serviceName: batteryServiceName(config.name),
          dvcc: this.targets.dvcc.length > 0,
          monitor: config.batteryMonitor,
          remote: this.monitor,
          onChange: () => this.publish(),
        })
      : null;
    this.controller = new Controller({
      clock,
      restored: restored.memory,
      readInput: () => ({
        lines: this.lines.snapshot(),
        ...this.measurements.get(),
        softwareRemoteOn: this.controls.remoteOn,
      }),
      readParams: () => paramsFromTunables(this.tunables, config.systemVoltage),
      onResult: (r, changed) => this.onResult(r, changed),
      onPersist: (m) => {
        void this.memoryStore.save(m, clock.now()).then((err) => {
          if (err) logger.error({ err: err.message }, 'engine memory cannot be saved');
        });
      },
    });
    this.face = bus
      ? new DbusFace({
          bus,
          config,
          version: o.version,
          serial: `${o.portalId}-${config.name}`,
          onTunables: (t) => this.setTunables(t),
          handlers: {
            onMode: (on) => this.setControls({ ...this.controls, remoteOn: on }),
            onDryRun: (on) =>
              this.setControls({ ...this.controls, dryRun: on, dryRunBy: DRY_RUN_BY_DBUS }),
            onTestOutput: (output, on) => this.testOutput(output, on),
          },
          log: (level, msg) => logger[level](msg),
        })
      : null;
    this.mqtt = config.mqtt.enabled
      ? new (loadBridge().MqttBridge)(
          config.mqtt,
          {
            portalId: o.portalId,
            bankName: config.name,
            serviceName: this.face?.serviceName ?? `smallbms_${config.name}`,
            version: o.version,
          },
          logger,
        )
      : null;
    this.mqtt?.onCommand((cmd) => {
      logger.debug({ mode: cmd.mode }, 'MQTT command');
      void this.setControls({ ...this.controls, remoteOn: cmd.mode === 'on' });
    });
  }

  /**
   * Read the targets back and the lines, then the engine decides (nothing is written
   * while it is STARTING), then D-Bus and MQTT. Resolves once protecting.
   */
  async start(): Promise<void> {
    const { logger } = this.o;
    let decided = (): void => undefined;
    if (this.face) {
      const dvcc = this.targets.dvcc.length > 0 ? dvccLimits(this.config.systemVoltage) : undefined;
      this.face.start(dvcc, new Promise<void>((r) => (decided = r))).then(
        () => this.publish(),
        (err: Error) => logger.error({ err: err.message }, 'D-Bus service not registered'),
      );
    }
    if (this.monitor) await this.monitor.start();
    this.driver.start();
    // Read back while the lines are read. Bounded: a target that does not answer is
    // written at the decision (the level it already has, in the usual case).
    void Promise.race([this.driver.readBack(), new Promise((r) => setTimeout(r, 1000))]).then(
      () => {
        this.readBack = true;
        const pending = this.pendingOutputs;
        this.pendingOutputs = null;
        if (pending && !this.stopped) void this.driver.applyAll(pending);
      },
    );
    for (const relay of this.targets.relays) {
      void relay.keepBootLevel().then((r) => {
        if (r.status !== 'ok') logger.warn({ why: r.message }, 'relay InitialState not kept');
      });
    }
    this.hideRelayControls();
    logger.info({ dryRun: this.controls.dryRun }, 'outputs held until the lines are read');
    const opened = await this.history.open();
    if (opened.corruptedLines > 0) {
      logger.warn({ corrupted: opened.corruptedLines }, 'event history had corrupted lines');
    }
    if (this.dryRunFromEditedConfig) {
      const on = this.controls.dryRun;
      this.recordControl('dryRun', !on, on, `set by ${this.controls.dryRunBy} (edited)`);
    }
    this.lines.onChange((role, status) => {
      logger.debug({ role, status }, 'line');
      this.evaluate();
    });
    this.lines.start();
    this.measurements.start();
    this.picture?.start();
    this.evaluating = true;
    this.evaluate();
    this.mqtt?.start();
    decided();
  }

  /** Hide the relays we own from the Switches pane while systemcalc is there (relay-ui.ts). */
  private hideRelayControls(): void {
    if (!this.monitor) return;
    const owned = Object.values(this.config.outputs)
      .flat()
      .flatMap((t) => (t.type === 'relay' ? [t.relay - 1] : []));
    this.unwatchUi = followOwnedRelays(
      this.monitor,
      path.join(this.config.dataDir, 'relay-ui'),
      owned,
      this.o.logger,
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.unwatchUi?.();
    this.stopped = true;
    this.controller.stop();
    if (this.overrideTimer !== null) this.o.clock.clearTimeout(this.overrideTimer);
    this.lines.stop();
    this.measurements.stop();
    this.picture?.stop();
    this.mirror.stop();
    await Promise.race([this.driver.idle(), new Promise((r) => setTimeout(r, 1000))]);
    this.driver.stop();
    const result = this.controller.result;
    if (result) {
      const { socLatched, loadOffAt, chargeOffAt } = result.memory;
      this.memoryStore.saveSync({ socLatched, loadOffAt, chargeOffAt }, this.o.clock.now());
    }
    await this.history.close?.();
    await this.mqtt?.stop();
    await this.face?.stop();
    this.monitor?.stop();
  }

  snapshot(): StatusSnapshot | null {
    const r = this.controller.result;
    if (!r) return null;
    const m = this.measurements.get();
    const notes = [...r.notes, ...this.lines.problems(), ...this.driver.problems()];
    const dry = dryRunNote(this.controls);
    if (dry) notes.unshift(dry);
    const socProblem = this.measurements.problem();
    // The engine says what it does without SoC; this says why SoC is missing.
    if (socProblem) notes.push(socProblem);
    notes.push(...(this.picture?.notes() ?? []));
    return {
      service: this.face?.serviceName ?? '',
      name: this.config.name,
      state: r.state,
      stateCode: stateCode(r.state),
      lines: this.lines.snapshot(),
      // Held: what the previous run left, not a blip to "off" (section 4).
      outputs: r.held && this.heldOutputs ? this.heldOutputs : r.outputs,
      alarms: r.alarms,
      countdowns: r.countdowns,
      chargeDetected: r.chargeDetected,
      soc: m.soc,
      voltage: m.voltage,
      current: m.current,
      mode: this.controls.remoteOn ? 'on' : 'standby',
      dryRun: this.controls.dryRun,
      notes,
      lastEvent: this.lastEvent ? formatEvent(this.lastEvent) : null,
    };
  }

  private evaluate(): void {
    // Not before start() has opened the history and started the lines (stored tunables
    // from localsettings may arrive earlier; the first evaluation uses them).
    if (this.evaluating && !this.stopped) this.controller.evaluate();
  }

  private onResult(r: StepResult, changed: boolean): void {
    // STARTING holds: no target is written until the engine has decided (section 4).
    if (!r.held) {
      if (!this.decided) {
        this.decided = true;
        this.o.logger.info({ state: r.state, outputs: r.outputs }, START_LOG);
      }
      if (this.readBack) void this.driver.applyAll(r.outputs);
      else this.pendingOutputs = { ...r.outputs };
      if (!this.controls.dryRun) {
        this.heldStore.save(r.outputs, (err) =>
          this.o.logger.error({ err: err.message }, 'outputs cannot be saved'),
        );
      }
    }
    this.record(r.events);
    if (changed) this.publish();
  }

  private record(events: EngineEvent[]): void {
    if (events.length === 0) return;
    const recorded = this.history.append(events);
    for (const e of recorded) {
      this.o.logger.info(
        { kind: e.kind, name: e.name, from: e.from, to: e.to, seq: e.seq },
        e.reason,
      );
      this.mqtt?.publishEvent(e);
    }
    this.lastEvent = recorded[recorded.length - 1] ?? this.lastEvent;
  }

  /** A target problem or an outside write: an event like any other (section 6). */
  private onTargetEvent(e: TargetEvent): void {
    const now = this.o.clock.now();
    this.record([
      {
        t: now,
        kind: 'target',
        name: `${e.output}: ${e.target}`,
        from: e.from,
        to: e.to,
        reason: e.reason,
        lines: this.lines.snapshot(),
      },
    ]);
    if (e.what === 'overridden') {
      this.overrides.record(now);
      // Re-publish when the quiet period has passed, so the warning clears by itself.
      if (this.overrideTimer !== null) this.o.clock.clearTimeout(this.overrideTimer);
      const at = this.overrides.clearsAt();
      this.overrideTimer =
        at === null
          ? null
          : this.o.clock.setTimeout(() => {
              this.overrideTimer = null;
              this.publish();
            }, at - now);
    }
    this.publish();
  }

  /** 2 while a target cannot be driven; 1 (warning) while our targets keep being overridden. */
  private internalFailure(): number {
    if (this.driver.problems().length > 0) return 2;
    return this.overrides.level(this.o.clock.now());
  }

  private presence(): string {
    const m = this.measurements.get();
    return `${m.soc === null}${m.voltage === null}${m.current === null}`;
  }

  private publish(): void {
    const s = this.snapshot();
    if (!s) return;
    this.publications++;
    this.mirroredPresence = this.presence();
    this.mirror.published();
    this.mqtt?.publishState(s);
    if (!this.face) return;
    const dvcc = this.dvccState();
    this.face.publish(s, dvcc, {
      ...this.picture?.values(),
      '/Alarms/InternalFailure': this.internalFailure(),
      '/Bms/LastEventJson': this.lastEvent ? JSON.stringify(this.lastEvent) : '',
    });
  }

  private dvccState(): DvccState | undefined {
    if (this.targets.dvcc.length === 0) return undefined;
    const allowed = (output: OutputName): boolean =>
      this.targets.dvcc.filter((d) => d.output === output).every((d) => d.target.allowed === true);
    return {
      limits: dvccLimits(this.config.systemVoltage),
      chargeAllowed: allowed('charge'),
      loadAllowed: allowed('load'),
    };
  }

  private setTunables(t: TunablesConfig): void {
    this.tunables = t;
    this.o.logger.info({ tunables: t }, 'tunables');
    this.evaluate();
  }

  private async setControls(next: Controls): Promise<boolean> {
    const before = this.controls;
    this.controls = next;
    if (next.dryRun !== before.dryRun) await this.driver.setDryRun(next.dryRun);
    this.o.logger.info({ remoteOn: next.remoteOn, dryRun: next.dryRun }, 'controls');
    if (next.dryRun !== before.dryRun) {
      this.recordControl('dryRun', before.dryRun, next.dryRun, `set by ${next.dryRunBy}`);
      if (next.dryRun) this.o.logger.warn(dryRunNote(next));
    }
    this.evaluate();
    this.publish();
    await this.saveControls(next);
    return true;
  }

  private async saveControls(c: Controls): Promise<void> {
    try {
      await saveControls(this.config.dataDir, c);
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'controls cannot be saved');
    }
  }

  /** A commissioning action (dry run, test-output) is an event like any other. */
  private recordControl(name: string, from: boolean | null, to: boolean, reason: string): void {
    const lines = this.lines.snapshot();
    this.record([{ t: this.o.clock.now(), kind: 'control', name, from, to, reason, lines }]);
    this.publish();
  }

  private async testOutput(output: OutputName, on: boolean): Promise<boolean> {
    const reports = await this.driver.testOutput(output, on);
    this.o.logger.info({ output, on, reports: reports.map((r) => r.result) }, 'test output');
    const ok = reports.length > 0 && reports.every((r) => r.result.status === 'ok');
    const results = reports.map((r) => `${r.target}: ${r.result.message || r.result.status}`);
    const how = `${ok ? 'driven' : 'not driven'} (${results.join('; ') || 'no target'})`;
    this.recordControl(`test-output ${output}`, null, on, `D-Bus /Bms/TestOutput: ${how}`);
    return ok;
  }
}
