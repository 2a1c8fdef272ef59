/**
 * `smallbms test-output <load|charge|pre-alarm> <on|off|stop>` (`preAlarm`, the config's key,
 * works too): commissioning. Asks the running service to force one output's targets on or
 * off, or to end the test (`stop`: the output goes back to the engine's level). The service
 * accepts it only in dry run, where the engine does not drive the targets (otherwise the next
 * engine change would fight it); a refusal prints the service's reason.
 */
import { positionals, type CliIo } from '../io';
import { notRunning, targetService, withBus } from './remote';
import { Typed } from '../venus/bus';
import { plain } from '../venus/values';
import { OUTPUT_WORDS } from '../words';
import type { OutputName } from '../core/types';

const PATHS: Record<string, string> = {
  load: '/Bms/TestOutput/Load',
  charge: '/Bms/TestOutput/Charge',
  preAlarm: '/Bms/TestOutput/PreAlarm',
};

/** /Bms/TestOutput/<Output>: 0 end the test, 1 forced on, 2 forced off. */
const VALUES: Record<string, number> = { stop: 0, on: 1, off: 2 };

export async function testOutputCommand(argv: string[], io: CliIo): Promise<number> {
  // main() has checked them (argProblem); this guards a direct call.
  const [typed, level] = positionals(argv, { values: ['--config', '--service'] });
  // `pre-alarm` as people write it, `preAlarm` as the config and D-Bus name it.
  const output = typed === 'pre-alarm' ? 'preAlarm' : typed;
  const known = (table: object, key: string | undefined): boolean =>
    key !== undefined && Object.prototype.hasOwnProperty.call(table, key);
  if (!known(PATHS, output) || !known(VALUES, level)) {
    io.error('usage: smallbms test-output <load|charge|pre-alarm> <on|off|stop>');
    return 2;
  }
  const service = await targetService(argv);
  try {
    const [code, result, acted] = await withBus(async (bus) => {
      const call = (member: string, path: string, body?: Typed[]) =>
        bus.call({
          destination: service,
          path,
          interface: 'com.victronenergy.BusItem',
          member,
          ...(body ? { signature: 'v', body } : {}),
        });
      // /Bms/TestOutput/<Output> is 0 when no test runs: a stop then changes nothing (a
      // BusItem SetValue to its own value is not an action), so say so instead of printing
      // the last result, which may be another output's.
      const [now] = await call('GetValue', PATHS[output]);
      if (level === 'stop' && plain(now) === 0) return [0, null, false] as const;
      const [c] = await call('SetValue', PATHS[output], [new Typed('i', VALUES[level])]);
      const [r] = await call('GetValue', '/Bms/TestOutput/Result').catch(() => [undefined]);
      return [c, plain(r), true] as const;
    });
    const label = OUTPUT_WORDS[output as OutputName];
    if (!acted) {
      io.log(`${label}: no relay test was running, nothing to stop`);
      return 0;
    }
    // The service's result in words, when it is about this output (or a refusal).
    const said =
      typeof result === 'string' && (result.startsWith(`${label}:`) || result.startsWith('Refused'))
        ? result
        : null;
    if (code === 0) {
      io.log(
        said ?? `${label}: ${level === 'stop' ? 'test ended' : `forced ${level.toUpperCase()}`}`,
      );
      return 0;
    }
    io.error(
      said ??
        'refused: test-output works only in dry run (smallbms dry-run on, or the GX console), and the output must have targets',
    );
    return 1;
  } catch (err) {
    io.error(notRunning(service, err));
    return 1;
  }
}
