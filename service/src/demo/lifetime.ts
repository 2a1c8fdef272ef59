/**
 * When the demo must stop although its story is not over: Ctrl-C, SIGTERM (`kill`, npx
 * killed), SIGHUP (terminal closed), or its parent process gone (npx killed with SIGKILL,
 * or a parent that does not pass signals on: the demo is then re-parented, so its ppid
 * changes). The demo then stops everything it started and removes its files.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class Lifetime {
  /** Why it ended, or null while it has not. */
  reason: string | null = null;
  readonly ended: Promise<string>;
  private end: (why: string) => void = () => undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly handlers = new Map<string, () => void>();
  private readonly writeErrors = (): void => undefined;

  constructor(pollMs = 250) {
    const parent = process.ppid;
    this.ended = new Promise<string>((resolve) => {
      this.end = (why) => {
        if (this.reason !== null) return;
        this.reason = why;
        resolve(why);
      };
    });
    for (const signal of SIGNALS) {
      const handler = (): void => this.end(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
    this.timer = setInterval(() => {
      if (process.ppid !== parent) this.end(`its parent process (pid ${parent}) ended`);
    }, pollMs);
    this.timer.unref();
    // A closed terminal or pipe makes writes fail (EIO, EPIPE): that must not stop the
    // clean-up half way.
    process.stdout.on('error', this.writeErrors);
    process.stderr.on('error', this.writeErrors);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    process.stdout.off('error', this.writeErrors);
    process.stderr.off('error', this.writeErrors);
  }
}
