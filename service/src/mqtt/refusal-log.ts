/**
 * Warnings for refused MQTT commands, rate-limited: each refusal deserves a log line with
 * its reason, but a client flooding `<prefix>/set` must not flood the GX's small log
 * partition (multilog keeps a few 25 kB files).
 */
import type { BridgeLogger } from './logger';

export class RefusalLog {
  private windowStart = -Infinity;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: BridgeLogger,
    private readonly perWindow = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  refused(reason: string, bytes: number, retained: boolean): void {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) {
        this.logger.warn({ suppressed: this.suppressed }, 'MQTT commands refused (not logged)');
      }
      this.windowStart = t;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    if (this.inWindow < this.perWindow) {
      this.inWindow++;
      this.logger.warn({ reason, bytes, retained }, 'MQTT command refused');
    } else {
      this.suppressed++;
    }
  }
}
