/**
 * Everything that happened, told everywhere it must go (behaviour.md section 6): the
 * engine's events, the commissioning actions and the targets' events are appended to the
 * event history (<dataDir>/events.jsonl), logged one line each and published over MQTT.
 * The last one is kept for the status and /Bms/LastEventJson.
 */
import type { Logger } from 'pino';
import type { EngineEvent, LineSnapshot } from '../core/types';
import type { HistoryEvent } from '../status';
import { EventHistory, type OpenReport } from '../store/history';
import type { TargetEvent } from '../../hw/targets/target-events';

export interface EventLogOptions {
  file: string;
  maxEvents: number;
  logger: Logger;
  /** Each recorded event, to MQTT. */
  publish: (event: HistoryEvent) => void;
}

export class EventLog {
  private readonly history: EventHistory;
  private lastEvent: HistoryEvent | null = null;

  constructor(private readonly o: EventLogOptions) {
    this.history = new EventHistory({
      file: o.file,
      maxEvents: o.maxEvents,
      onError: (e) => o.logger.error({ err: e.message }, 'event history cannot be written'),
    });
  }

  /** The last event recorded; null before the first. */
  get last(): HistoryEvent | null {
    return this.lastEvent;
  }

  open(): Promise<OpenReport> {
    return this.history.open();
  }

  close(): Promise<void> {
    return this.history.close();
  }

  record(events: EngineEvent[]): void {
    if (events.length === 0) return;
    const recorded = this.history.append(events);
    for (const e of recorded) {
      this.o.logger.info(
        { kind: e.kind, name: e.name, from: e.from, to: e.to, seq: e.seq },
        e.reason,
      );
      this.o.publish(e);
    }
    this.lastEvent = recorded[recorded.length - 1] ?? this.lastEvent;
  }

  /** A commissioning action (dry run, test-output). */
  control(
    t: number,
    name: string,
    from: boolean | null,
    to: boolean,
    reason: string,
    lines: LineSnapshot,
  ): void {
    this.record([{ t, kind: 'control', name, from, to, reason, lines }]);
  }

  /** A target problem or an outside write of a target (the output driver's events). */
  target(t: number, e: TargetEvent, lines: LineSnapshot): void {
    this.record([
      {
        t,
        kind: 'target',
        name: `${e.output}: ${e.target}`,
        from: e.from,
        to: e.to,
        reason: e.reason,
        lines,
      },
    ]);
  }
}
