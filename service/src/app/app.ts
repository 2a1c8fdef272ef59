/**
 * `smallbms run`: config → hw → engine → targets, D-Bus, MQTT, history. Order of start-up:
 * every target to its safe level first, then the lines are read and the engine decides by
 * levels (rule 9). D-Bus registration and MQTT come up in the background: the protection
 * never waits for them.
 */
import * as path from 'node:path';
import type { Logger } from 'pino';
import { paramsFromTunables } from '../core/params';
import { stateCode, type OutputName, type StepResult } from '../core/types';
import type { SmallBmsConfig, TunablesConfig } from '../config/types';
import { formatEvent, type HistoryEvent, type StatusSnapshot } from '../status';
import { EventHistory } from '../store/history';
import { MemoryStore } from '../store/memory-store';
import type { Bus } from '../venus/bus';
import { ServiceMonitor } from '../venus/monitor';
import type { Clock } from '../../hw/clock';
import { LineSet } from '../../hw/lines/lineset';
import { buildTargets, type BuiltTargets } from '../../hw/targets/build';
import { OutputDriver } from '../../hw/targets/driver';
import type { MqttBridge } from '../mqtt/bridge';
import type * as BridgeModule from '../mqtt/bridge';
import { dvccLimits, type DvccState } from './battery-service';
import { Controller } from './controller';
import { loadControls, saveControls, type Controls } from './controls';
import { DbusFace } from './dbus-face';
import { Measurements } from './measurements';
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
  private readonly controller: Controller;
  private readonly face: DbusFace | null;
  private readonly mqtt: MqttBridge | null;
  private lastEvent: HistoryEvent | null = null;
  private stopped = false;
  private readonly mirror: MirrorRate;
  private publications = 0;
  /** Which measurements were missing at the last publication. */
  private mirroredPresence = '';

  constructor(private readonly o: AppOptions) {
    const { config, clock, logger, bus } = o;
    this.config = config;
    this.tunables = config.tunables;
    const loaded = loadControls(config.dataDir, { remoteOn: true, dryRun: config.dryRun });
    this.controls = loaded.controls;
    if (loaded.warning) logger.warn(loaded.warning);

    this.history = new EventHistory({
      file: path.join(config.dataDir, 'events.jsonl'),
      maxEvents: config.history.maxEvents,
      onError: (e) => logger.error({ err: e.message }, 'event history cannot be written'),
    });
    this.memoryStore = new MemoryStore({ file: path.join(config.dataDir, 'state.json') });
    const restored = this.memoryStore.load(clock.now());
    if (restored.warning) logger.info(restored.warning);

    this.monitor = bus
      ? new ServiceMonitor(bus, { log: (m) => logger.debug(m), warn: (m) => logger.warn(m) })
      : null;
    this.targets = buildTargets(config, this.monitor ?? undefined);
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
      // changed, else at a bounded rate (mirror-rate.ts).
      () => {
        const before = this.publications;
        this.evaluate();
        if (this.publications !== before) return;
        if (this.presence() !== this.mirroredPresence) this.publish();
        else this.mirror.reading();
      },
    );
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
            onDryRun: (on) => this.setControls({ ...this.controls, dryRun: on }),
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

  /** Safe state first, then lines, engine, D-Bus and MQTT. Resolves once protecting. */
  async start(): Promise<void> {
    const { logger } = this.o;
    if (this.monitor) await this.monitor.start();
    this.driver.start();
    const safe = this.driver.driveSafe();
    // Local targets (GPIO) are written at once; D-Bus ones may wait for systemcalc: do not
    // hold the protection back for them (the driver retries).
    await Promise.race([safe, new Promise((r) => setTimeout(r, 1000))]);
    logger.info({ dryRun: this.controls.dryRun }, 'outputs in the safe state');
    const opened = await this.history.open();
    if (opened.corruptedLines > 0) {
      logger.warn({ corrupted: opened.corruptedLines }, 'event history had corrupted lines');
    }
    this.lines.onChange((role, status) => {
      logger.debug({ role, status }, 'line');
      this.evaluate();
    });
    this.lines.start();
    this.measurements.start();
    this.evaluate();
    this.mqtt?.start();
    if (this.face) {
      const dvcc = this.targets.dvcc.length > 0 ? dvccLimits(this.config.systemVoltage) : undefined;
      this.face.start(dvcc).then(
        () => this.publish(),
        (err: Error) => logger.error({ err: err.message }, 'D-Bus service not registered'),
      );
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.controller.stop();
    this.lines.stop();
    this.measurements.stop();
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
    const socProblem = this.measurements.problem();
    // The engine says what it does without SoC; this says why SoC is missing.
    if (socProblem) notes.push(socProblem);
    return {
      service: this.face?.serviceName ?? '',
      name: this.config.name,
      state: r.state,
      stateCode: stateCode(r.state),
      lines: this.lines.snapshot(),
      outputs: r.outputs,
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
    if (!this.stopped) this.controller.evaluate();
  }

  private onResult(r: StepResult, changed: boolean): void {
    void this.driver.applyAll(r.outputs);
    if (r.events.length > 0) {
      const recorded = this.history.append(r.events);
      for (const e of recorded) {
        this.o.logger.info(
          { kind: e.kind, name: e.name, from: e.from, to: e.to, seq: e.seq },
          e.reason,
        );
        this.mqtt?.publishEvent(e);
      }
      this.lastEvent = recorded[recorded.length - 1] ?? this.lastEvent;
    }
    if (changed) this.publish();
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
      '/Alarms/InternalFailure': this.driver.problems().length > 0 ? 2 : 0,
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
    this.evaluate();
    this.publish();
    try {
      await saveControls(this.config.dataDir, next);
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'controls cannot be saved');
    }
    return true;
  }

  private async testOutput(output: OutputName, on: boolean): Promise<boolean> {
    const reports = await this.driver.testOutput(output, on);
    this.o.logger.info({ output, on, reports: reports.map((r) => r.result) }, 'test output');
    return reports.length > 0 && reports.every((r) => r.result.status === 'ok');
  }
}
