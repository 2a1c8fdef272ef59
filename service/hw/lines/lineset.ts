import { LINE_ROLES, type LineRole, type LineSnapshot } from '../../src/core/types';
import type { LineConfig, SmallBmsConfig } from '../../src/config/types';
import type { RemoteValues } from '../../src/venus/api';
import type { Clock } from '../clock';
import { DbusLine, DigitalInputLine } from './dbus';
import { GpioLine, GpioPoller } from './gpio';
import type { LineChangeListener, LineSource } from './types';

export interface LineSetDeps {
  clock: Clock;
  /** Needed only when a line comes from D-Bus (digitalinput or dbus sources). */
  remote?: RemoteValues;
}

/**
 * Every wired line of one bank, built from the config. Unwired roles are absent from the
 * snapshot (the engine treats them as not wired).
 */
export class LineSet {
  private readonly sources = new Map<LineRole, LineSource>();
  private readonly listeners = new Set<LineChangeListener>();
  private readonly poller: GpioPoller;

  constructor(
    config: Pick<SmallBmsConfig, 'lines' | 'gpioRoot'>,
    private readonly deps: LineSetDeps,
  ) {
    this.poller = new GpioPoller(deps.clock);
    const emit: LineChangeListener = (role, status) => {
      for (const l of this.listeners) l(role, status);
    };
    for (const role of LINE_ROLES) {
      const line = config.lines[role];
      if (line !== undefined) this.sources.set(role, this.build(role, line, config.gpioRoot, emit));
    }
  }

  /** Debounced status of every wired line. */
  snapshot(): LineSnapshot {
    const snap: LineSnapshot = {};
    for (const [role, source] of this.sources) snap[role] = source.status();
    return snap;
  }

  /** Called with (role, status) on every accepted change. Returns an unsubscribe function. */
  onChange(listener: LineChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The source of one role, for status notes (`problem()`, `describe()`). */
  source(role: LineRole): LineSource | undefined {
    return this.sources.get(role);
  }

  /** Current problems of the wired lines, e.g. "dischargeAllowed: /dev/gpio/... missing". */
  problems(): string[] {
    const out: string[] = [];
    for (const [role, source] of this.sources) {
      const p = source.problem();
      if (p !== null) out.push(`${role}: ${p}`);
    }
    return out;
  }

  start(): void {
    for (const s of this.sources.values()) s.start();
  }

  stop(): void {
    for (const s of this.sources.values()) s.stop();
  }

  private build(
    role: LineRole,
    line: LineConfig,
    gpioRoot: string,
    emit: LineChangeListener,
  ): LineSource {
    const { clock } = this.deps;
    const src = line.source;
    if (src.type === 'gpio') {
      return new GpioLine(
        role,
        src,
        line.assertedLevel,
        line.debounceMs,
        gpioRoot,
        clock,
        this.poller,
        emit,
      );
    }
    const remote = this.deps.remote;
    if (remote === undefined) throw new Error(`line ${role}: a ${src.type} source needs D-Bus`);
    if (src.type === 'digitalinput') {
      return new DigitalInputLine(
        role,
        src,
        line.assertedLevel,
        line.debounceMs,
        clock,
        remote,
        emit,
      );
    }
    return new DbusLine(role, src, line.debounceMs, clock, remote, emit);
  }
}
