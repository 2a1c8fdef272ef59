/**
 * `smallbms events [--json] [--follow] [-n N]`: the protection event history, read from the
 * history file in the config's dataDir. It works when the service is stopped, which is when
 * people most want to know why it stopped; `--follow` prints new events as they are written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatEvent, type HistoryEvent } from '../status';
import { readEventsFile } from '../store/history';
import { flag, option, positiveCount, type CliIo } from '../io';
import { optionalConfig } from './remote';
import { gxZone } from './zone';

export async function eventsCommand(argv: string[], io: CliIo): Promise<number> {
  const n = positiveCount(option(argv, '-n') ?? '50', '-n');
  if (typeof n === 'string') {
    // main() refuses it first (argProblem); this guards a direct call, worded the same.
    io.error(`smallbms events: ${n}`);
    io.error('usage: smallbms events [--json] [--follow] [-n N]');
    return 2;
  }
  const config = await optionalConfig(argv);
  const dataDir = option(argv, '--data-dir') ?? config?.dataDir ?? '/data/dbus-smallbms';
  const file = path.join(dataDir, 'events.jsonl');
  const json = flag(argv, '--json');
  // People read the GX's local time; --json keeps the stored UTC wallTime.
  const zone = json ? null : await gxZone();
  const show = (e: HistoryEvent): void =>
    io.log(zone === null ? JSON.stringify(e) : formatEvent(e, zone));

  if (!fs.existsSync(file)) {
    if (!flag(argv, '--follow')) {
      io.error(`no event history at ${file} (has the service run yet?)`);
      return 1;
    }
  }
  const first = fs.existsSync(file)
    ? await readEventsFile(file)
    : { events: [], corruptedLines: 0 };
  const initial = first.events.slice(-n);
  if (json && !flag(argv, '--follow')) io.log(JSON.stringify(initial, null, 2));
  else initial.forEach(show);
  if (first.corruptedLines > 0) io.error(`(${first.corruptedLines} corrupted lines skipped)`);
  if (!flag(argv, '--follow')) return 0;

  let lastSeq = first.events.length ? first.events[first.events.length - 1].seq : 0;
  return new Promise<number>((resolve) => {
    const check = async (): Promise<void> => {
      const now = await readEventsFile(file).catch(() => ({ events: [] as HistoryEvent[] }));
      for (const e of now.events) {
        if (e.seq > lastSeq) {
          show(e);
          lastSeq = e.seq;
        }
      }
    };
    const timer = setInterval(() => void check(), 500);
    const stop = (): void => {
      clearInterval(timer);
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
