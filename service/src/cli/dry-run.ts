/**
 * `smallbms dry-run [on|off]`: show or set the running service's dry run, the way the GX
 * console does it: a SetValue on our service's /Bms/DryRun. In dry run the engine still
 * decides and publishes, but drives no output; `test-output` needs it.
 */
import { positionals, type CliIo } from '../io';
import { Typed } from '../venus/bus';
import { plain } from '../venus/values';
import { notRunning, targetService, withBus } from './remote';

const USAGE = 'usage: smallbms dry-run [on|off]';

export async function dryRunCommand(argv: string[], io: CliIo): Promise<number> {
  const [level] = positionals(argv, { values: ['--config', '--service'] });
  if (level !== undefined && level !== 'on' && level !== 'off') {
    io.error(USAGE);
    return 2;
  }
  const service = await targetService(argv);
  try {
    return await withBus(async (bus) => {
      const item = {
        destination: service,
        path: '/Bms/DryRun',
        interface: 'com.victronenergy.BusItem',
      };
      if (level !== undefined) {
        const [code] = await bus.call({
          ...item,
          member: 'SetValue',
          signature: 'v',
          body: [new Typed('i', level === 'on' ? 1 : 0)],
        });
        if (code !== 0) {
          io.error(
            `refused: ${service} did not accept /Bms/DryRun = ${level} (code ${String(code)})`,
          );
          return 1;
        }
      }
      const [value] = await bus.call({ ...item, member: 'GetValue', timeoutMs: 3000 });
      const on = plain(value) === 1;
      io.log(
        `dry run ${on ? 'on: the service decides but drives no output (test-output works)' : 'off: the service drives its outputs'}`,
      );
      return 0;
    });
  } catch (err) {
    io.error(notRunning(service, err));
    return 1;
  }
}
