/**
 * When the mirrored measurements (/Soc, /Dc/0/*, and soc/voltage/current in the MQTT state)
 * are published. A battery monitor changes some value every second or faster; re-publishing
 * each reading was most of the service's steady CPU (docs/performance.md). The rule:
 * - a reading that changes what the engine decides is published at once (with everything);
 * - so is a measurement becoming missing or valid again (presence is news);
 * - any other reading is published at most once per `intervalMs`: at once when the last
 *   publication is at least that old, else the newest values when the interval is over.
 *   Nothing waits longer than `intervalMs`, and any other publication (a line, a control)
 *   carries the newest values with it.
 * The engine always sees every reading at once: this only paces what consumers are told.
 */
import type { ControllerClock } from './controller';

/**
 * The bound on mirrored updates: at most one publication per 5 s for readings alone. Chosen
 * with the GX-like bench (docs/performance.md): 2 s cost 0.22 % of an x86 core, 5 s 0.17 %.
 * The consumers of the mirror are people (console, MQTT dashboards) and VRM's one-minute
 * log. systemcalc controls from the monitor itself; while it uses our service as the battery
 * monitor (venus.md, DVCC on, Automatic) MeasurementMirror publishes every reading at once.
 */
export const MIRROR_INTERVAL_MS = 5000;

export class MirrorRate {
  private last = -Infinity;
  private timer: unknown = null;

  constructor(
    private readonly clock: ControllerClock,
    private readonly publish: () => void,
    private readonly intervalMs = MIRROR_INTERVAL_MS,
  ) {}

  /** A reading changed only mirrored values: publish now, or once the interval is over. */
  reading(): void {
    if (this.timer !== null) return;
    const wait = this.last + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.publish();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.publish();
    }, wait);
  }

  /** Everything, the newest measurements included, was just published. */
  published(): void {
    this.last = this.clock.now();
    this.cancel();
  }

  stop(): void {
    this.cancel();
  }

  private cancel(): void {
    if (this.timer === null) return;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * The whole rule above, told of every reading and of every publication: after the engine
 * has seen a reading, nothing more when that already published; at once when a
 * measurement's presence changed or `immediate()` (systemcalc copies our /Dc/0/* and /Soc
 * to the system's battery, which must not lag the monitor's); else at the bounded rate.
 */
export class MeasurementMirror {
  private readonly rate: MirrorRate;
  private publications = 0;
  /** Which measurements were missing at the last publication. */
  private mirroredPresence = '';

  constructor(
    clock: ControllerClock,
    private readonly publish: () => void,
    /** The measurements now (only which ones are missing counts here). */
    private readonly measurements: () => Record<'soc' | 'voltage' | 'current', number | null>,
    private readonly immediate: () => boolean,
  ) {
    this.rate = new MirrorRate(clock, publish);
  }

  /** A new reading; `evaluate` lets the engine see it first (which may publish). */
  reading(evaluate: () => void): void {
    const before = this.publications;
    evaluate();
    if (this.publications !== before) return;
    if (this.presence() !== this.mirroredPresence) this.publish();
    else if (this.immediate()) this.publish();
    else this.rate.reading();
  }

  /** Everything, the newest measurements included, was just published. */
  published(): void {
    this.publications++;
    this.mirroredPresence = this.presence();
    this.rate.published();
  }

  stop(): void {
    this.rate.stop();
  }

  private presence(): string {
    const m = this.measurements();
    return `${m.soc === null}${m.voltage === null}${m.current === null}`;
  }
}
