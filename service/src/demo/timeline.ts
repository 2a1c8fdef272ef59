/**
 * The demo's live timeline: follows the service's event history file (the same record a
 * user reads with `smallbms events`) and prints each event at its simulated time, with the
 * three outputs after it.
 */
import * as fs from 'node:fs';
import type { CliIo } from '../io';
import type { HistoryEvent } from '../status';
import { eventSentence } from '../words';
import { parseEventLines } from '../store/event-lines';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Timeline {
  private seen = 0;
  private startWall = Date.now();
  /** The story's clock runs (before: the start-up decision, shown at t=0). */
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private state = 'STARTING';
  private outputs: Record<string, boolean> = { load: false, charge: false, preAlarm: false };
  private events: HistoryEvent[] = [];

  constructor(
    private readonly io: CliIo,
    private readonly file: string,
    private readonly speed: number,
    /** Sees every event as it arrives; returns a problem to print under it, or null. */
    private readonly onEvent: (e: HistoryEvent) => string | null = () => null,
  ) {}

  get eventCount(): number {
    return this.events.length;
  }

  currentState(): string {
    this.poll();
    return this.state;
  }

  /**
   * Wait for the service's first decision (it left STARTING), shown under its own heading at
   * the story's t=0 (the summary counts those events too).
   */
  async waitForStart(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    this.io.log('');
    this.io.log('[start] the service reads every line once and makes its first decision');
    while (this.events.length === 0) {
      if (Date.now() > end) throw new Error('the service did not start (see its log)');
      await sleep(50);
      this.poll();
    }
  }

  start(): void {
    this.started = true;
    this.startWall = Date.now();
    this.timer = setInterval(() => this.poll(), 50);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.poll();
  }

  step(at: number, title: string, n: number, of: number): void {
    this.poll();
    this.io.log('');
    this.io.log(`[${String(n).padStart(2)}/${of}] t=${at.toFixed(0).padStart(4)} s  ▶ ${title}`);
  }

  /**
   * For each UV load disconnect after a countdown (PRE_ALARM → LOADS_OFF_UV), the time in
   * ms between the pre-alarm output going on and the load output going off.
   */
  uvLeadsMs(): number[] {
    const leads: number[] = [];
    for (const s of this.events) {
      if (s.kind !== 'state' || s.from !== 'PRE_ALARM' || s.to !== 'LOADS_OFF_UV') continue;
      const off = this.events.find(
        (e) => e.kind === 'output' && e.name === 'load' && e.to === false && e.t === s.t,
      );
      const on = this.events
        .filter(
          (e) => e.seq < s.seq && e.kind === 'output' && e.name === 'preAlarm' && e.to === true,
        )
        .pop();
      if (off && on) leads.push(off.t - on.t);
    }
    return leads;
  }

  private poll(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    const { events } = parseEventLines(text);
    for (const e of events) {
      if (e.seq <= this.seen) continue;
      this.seen = e.seq;
      this.events.push(e);
      if (e.kind === 'state') this.state = String(e.to);
      if (e.kind === 'output') this.outputs[e.name] = e.to === true;
      this.print(e);
      const problem = this.onEvent(e);
      if (problem) this.io.log(`        ✗ ${problem}`);
    }
  }

  private print(e: HistoryEvent): void {
    const since = Date.parse(e.wallTime) - this.startWall;
    const sim = this.started ? Math.max(0, (since * this.speed) / 1000) : 0;
    const o = this.outputs;
    const outs = `[load ${o.load ? 'ON ' : 'off'} charge ${o.charge ? 'ON ' : 'off'} pre-alarm ${o.preAlarm ? 'ON ' : 'off'}]`;
    // The outputs after the event, then the event in the words of `smallbms events`.
    this.io.log(`        t=${sim.toFixed(1).padStart(6)} s  ${outs}  ${eventSentence(e)}`);
  }
}
