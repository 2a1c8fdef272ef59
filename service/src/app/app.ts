/**
 * `smallbms run`: config → hw → engine → targets, D-Bus, MQTT, history. Order of start-up
 * (behaviour.md section 4): the targets' current levels are read back and the lines are
 * read; no target is written while the engine is STARTING (held); once it has decided by
 * levels (rule 9), only the targets that differ are written. A restart of the service alone
 * never moves an output the rules keep where it is. D-Bus registration and MQTT come up in
 * the background: the protection never waits for them.
 *
 * This module wires the parts and keeps the order of start-up and stop. The parts: our
 * outputs from decision to targets (output-stage.ts), the user's switches
 * (user-controls.ts), the events (event-log.ts), the engine's timer (controller.ts), the
 * measurements (measurements.ts, mirrored at a bounded rate: mirror-rate.ts) and our
 * battery service on D-Bus (dbus-face.ts).
 */
import * as path from 'node:path';
import type { Logger } from 'pino';
import { paramsFromTunables } from '../core/params';
import { OUTPUT_NAMES, stateCode, type OutputName, type StepResult } from '../core/types';
import { resolveZone, type Zone } from '../local-time';
import { outputDifference, plainReason } from '../words';
import type { SmallBmsConfig, TunablesConfig } from '../config/types';
import { formatEvent, type StatusSnapshot } from '../status';
import { MemoryStore } from '../store/memory-store';
import type { Bus } from '../venus/bus';
import { ServiceMonitor } from '../venus/monitor';
import type { Clock } from '../../hw/clock';
import { LineSet } from '../../hw/lines/lineset';
import type { MqttBridge } from '../mqtt/bridge';
import type * as BridgeModule from '../mqtt/bridge';
import { batteryServiceName } from '../config/problem';
import { BatteryPicture } from './battery-picture';
import { dvccLimits } from './battery-service';
import { Controller } from './controller';
import { dryRunNote } from './controls';
import { DbusFace } from './dbus-face';
import { EventLog } from './event-log';
import { Measurements } from './measurements';
import { MeasurementMirror } from './mirror-rate';
import { OutputStage } from './output-stage';
import { UserControls } from './user-controls';

/** Logged once, when the engine has first decided (the start-up bench waits for it). */
export const START_LOG = 'protecting: outputs decided from the lines';

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
  private readonly controls: UserControls;
  private readonly events: EventLog;
  private readonly memoryStore: MemoryStore;
  private readonly monitor: ServiceMonitor | null;
  private readonly outputs: OutputStage;
  private readonly lines: LineSet;
  private readonly measurements: Measurements;
  private readonly picture: BatteryPicture | null;
  private readonly controller: Controller;
  private readonly face: DbusFace | null;
  private readonly mqtt: MqttBridge | null;
  private stopped = false;
  private evaluating = false;
  /** The engine has decided once (START_LOG is logged then). */
  private decided = false;
  private readonly mirror: MeasurementMirror;
  /** The GX's time zone (localsettings), for the event times people read. */
  private zone: Zone = resolveZone(undefined);

  constructor(private readonly o: AppOptions) {
    const { config, clock, logger, bus } = o;
    this.config = config;
    this.tunables = config.tunables;
    this.controls = new UserControls({
      dataDir: config.dataDir,
      configDryRun: config.dryRun,
      logger,
      setDryRun: (on) => this.outputs.driver.setDryRun(on),
      testOutput: (output, level) => this.outputs.driver.testOutput(output, level),
      record: (name, from, to, reason) => this.recordControl(name, from, to, reason),
      changed: () => {
        this.evaluate();
        this.publish();
      },
    });
    this.events = new EventLog({
      file: path.join(config.dataDir, 'events.jsonl'),
      maxEvents: config.history.maxEvents,
      logger,
      publish: (e) => this.mqtt?.publishEvent(e, this.zone),
    });
    this.memoryStore = new MemoryStore({ file: path.join(config.dataDir, 'state.json') });
    const restored = this.memoryStore.load(clock.now());
    if (restored.warning) logger.info(restored.warning);

    this.monitor = bus
      ? new ServiceMonitor(bus, { log: (m) => logger.debug(m), warn: (m) => logger.warn(m) })
      : null;
    this.outputs = new OutputStage({
      config,
      clock,
      logger,
      monitor: this.monitor,
      dryRun: this.controls.current.dryRun,
      preAlarmMode: this.tunables.preAlarmMode,
      publish: () => this.publish(),
      record: (e, now) => this.events.target(now, e, this.lines.snapshot()),
    });
    this.lines = new LineSet(config, { clock, remote: this.monitor ?? undefined });
    this.mirror = new MeasurementMirror(
      clock,
      () => this.publish(),
      () => this.measurements.get(),
      () => this.picture?.isSystemBatteryMonitor() === true,
    );
    this.measurements = new Measurements(
      config.batteryMonitor,
      this.monitor ?? undefined,
      clock,
      // A new reading may change no engine output, but /Soc, /Dc/0/* (and the MQTT state)
      // mirror it: published at once when the engine's result or a measurement's presence
      // changed, else at a bounded rate (mirror-rate.ts). Not bounded while the GX uses
      // this service as its battery monitor (DVCC, Automatic): systemcalc then copies our
      // /Dc/0/* and /Soc to the system's battery, which must not lag the monitor's.
      () => this.mirror.reading(() => this.evaluate()),
    );
    this.picture = this.monitor
      ? new BatteryPicture({
          serviceName: batteryServiceName(config.name),
          dvcc: this.outputs.hasDvcc,
          monitor: config.batteryMonitor,
          remote: this.monitor,
          onChange: () => this.publish(),
        })
      : null;
    // The settle time covers two contacts read a poll apart (behaviour.md rule 13).
    const slowestPoll = Math.max(
      0,
      ...Object.values(config.lines).map((l) => (l.source.type === 'gpio' ? l.source.pollMs : 0)),
    );
    this.controller = new Controller({
      clock,
      restored: restored.memory,
      readInput: () => ({
        lines: this.lines.snapshot(),
        ...this.measurements.get(),
        softwareRemoteOn: this.controls.current.remoteOn,
      }),
      readParams: () => paramsFromTunables(this.tunables, config.systemVoltage, slowestPoll),
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
            onMode: (on) => this.controls.setRemote(on),
            onDryRun: (on) => this.controls.setDryRun(on),
            onTestOutput: (output, level) => this.controls.testOutput(output, level),
          },
          onTimeZone: (setting) => this.setTimeZone(setting),
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
      void this.controls.setRemote(cmd.mode === 'on');
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
      const dvcc = this.outputs.hasDvcc ? dvccLimits(this.config.systemVoltage) : undefined;
      this.face.start(dvcc, new Promise<void>((r) => (decided = r))).then(
        () => this.publish(),
        (err: Error) => logger.error({ err: err.message }, 'D-Bus service not registered'),
      );
    }
    if (this.monitor) await this.monitor.start();
    this.outputs.start(() => this.stopped);
    logger.info({ dryRun: this.controls.current.dryRun }, 'outputs held until the lines are read');
    const opened = await this.events.open();
    if (opened.corruptedLines > 0) {
      logger.warn({ corrupted: opened.corruptedLines }, 'event history had corrupted lines');
    }
    if (opened.newerLines > 0) {
      logger.info(
        { newer: opened.newerLines },
        'event history has entries of a newer release: skipped, kept in the file',
      );
    }
    this.controls.recordEditedConfig();
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

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.outputs.halt();
    this.stopped = true;
    this.controller.stop();
    this.lines.stop();
    this.measurements.stop();
    this.picture?.stop();
    this.mirror.stop();
    await this.outputs.stop();
    const result = this.controller.result;
    if (result) {
      const { socLatched, loadOffAt, chargeOffAt } = result.memory;
      this.memoryStore.saveSync({ socLatched, loadOffAt, chargeOffAt }, this.o.clock.now());
    }
    await this.events.close();
    await this.mqtt?.stop();
    await this.face?.stop();
    this.monitor?.stop();
  }

  snapshot(): StatusSnapshot | null {
    const r = this.controller.result;
    if (!r) return null;
    const m = this.measurements.get();
    const notes = [...r.notes, ...this.lines.problems(), ...this.outputs.driver.problems()];
    const controls = this.controls.current;
    const dry = dryRunNote(controls);
    if (dry) notes.unshift(dry);
    const socProblem = this.measurements.problem();
    // The engine says what it does without SoC; this says why SoC is missing.
    if (socProblem) notes.push(socProblem);
    notes.push(...(this.picture?.notes() ?? []));
    if (this.zone.problem) notes.push(this.zone.problem);
    // Held: what the previous run left, not a blip to "off" (section 4).
    const outputs = r.held && this.outputs.held ? this.outputs.held : r.outputs;
    const levels = this.outputs.driver.levels();
    const actual = {} as Record<OutputName, boolean | null>;
    const outputNotes = {} as Record<OutputName, string>;
    for (const o of OUTPUT_NAMES) {
      const mine = levels.filter((l) => l.output === o);
      const seen = new Set(mine.map((l) => l.actual));
      actual[o] = mine.length > 0 && seen.size === 1 ? [...seen][0] : null;
      const differ = mine.filter(
        (l) =>
          l.actual !== null && l.wanted !== null && l.actual !== l.wanted && l.why !== 'writing',
      );
      outputNotes[o] = outputDifference(o, outputs[o], differ);
    }
    return {
      service: this.face?.serviceName ?? '',
      name: this.config.name,
      state: r.state,
      stateCode: stateCode(r.state),
      lines: this.lines.snapshot(),
      outputs,
      alarms: r.alarms,
      countdowns: r.countdowns,
      chargeDetected: r.chargeDetected,
      soc: m.soc,
      voltage: m.voltage,
      current: m.current,
      mode: controls.remoteOn ? 'on' : 'standby',
      dryRun: controls.dryRun,
      // The same words as the events (words.ts): /Bms/Notes, status, MQTT.
      notes: notes.map(plainReason),
      lastEvent: this.events.last ? formatEvent(this.events.last, this.zone) : null,
      actual,
      outputNotes,
      tests: this.outputs.driver.tests(),
      testResult: this.controls.testResult,
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
      this.outputs.decide(r.outputs, this.controls.current.dryRun);
    }
    this.events.record(r.events);
    if (changed) this.publish();
  }

  private publish(): void {
    const s = this.snapshot();
    if (!s) return;
    this.mirror.published();
    this.mqtt?.publishState(s);
    if (!this.face) return;
    this.face.publish(s, this.outputs.dvccState(), {
      ...this.picture?.values(),
      '/Alarms/InternalFailure': this.outputs.internalFailure(),
      '/Bms/LastEventJson': this.events.last ? JSON.stringify(this.events.last) : '',
    });
  }

  /** The GX's time zone setting changed (or was read): event times follow it at once. */
  private setTimeZone(setting: string | undefined): void {
    const zone = resolveZone(setting);
    if (zone.name === this.zone.name && zone.problem === this.zone.problem) return;
    this.zone = zone;
    const log = { setting, zone: zone.name, source: zone.source };
    if (zone.problem) this.o.logger.warn(log, zone.problem);
    else this.o.logger.info(log, 'time zone');
    this.publish();
  }

  private setTunables(t: TunablesConfig): void {
    this.tunables = t;
    this.o.logger.info({ tunables: t }, 'tunables');
    this.evaluate();
  }

  /** A commissioning action (dry run, test-output) is an event like any other. */
  private recordControl(name: string, from: boolean | null, to: boolean, reason: string): void {
    const lines = this.lines.snapshot();
    this.events.control(this.o.clock.now(), name, from, to, reason, lines);
    this.publish();
  }
}
