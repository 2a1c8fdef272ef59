/**
 * What happens to each message on `<prefix>/set`: validate, obey (call the listeners) or
 * refuse (rate-limited warning), and answer on `<prefix>/set/result` either way, so that a
 * script or a person at a terminal sees why a command was not taken.
 */
import { parseCommand, type RemoteCommand } from './command';
import type { BridgeLogger } from './logger';
import { RefusalLog } from './refusal-log';

export type CommandListener = (cmd: RemoteCommand) => void;

export type CommandResult = { ok: true; mode: 'on' | 'off' } | { ok: false; error: string };

export class CommandInbox {
  accepted = 0;
  refused = 0;
  private readonly listeners: CommandListener[] = [];
  private readonly refusals: RefusalLog;

  constructor(
    private readonly logger: BridgeLogger,
    private readonly reply: (result: CommandResult) => void,
  ) {
    this.refusals = new RefusalLog(logger);
  }

  /** Returns a function that unregisters the listener. */
  add(cb: CommandListener): () => void {
    this.listeners.push(cb);
    return () => {
      const i = this.listeners.indexOf(cb);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  handle(payload: Buffer, retained: boolean): void {
    const parsed = parseCommand(payload, retained);
    if (!parsed.ok) {
      this.refused++;
      this.refusals.refused(parsed.error, payload.length, retained);
      this.reply({ ok: false, error: parsed.error });
      return;
    }
    this.accepted++;
    this.logger.info({ mode: parsed.cmd.mode }, 'MQTT command accepted');
    for (const cb of [...this.listeners]) {
      try {
        cb(parsed.cmd);
      } catch (err) {
        this.logger.error({ err: String(err) }, 'MQTT command listener failed');
        this.reply({ ok: false, error: 'internal error' });
        return;
      }
    }
    this.reply({ ok: true, mode: parsed.cmd.mode === 'on' ? 'on' : 'off' });
  }
}
