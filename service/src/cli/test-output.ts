/**
 * `smallbms test-output <load|charge|preAlarm> <on|off>`: commissioning. Asks the running
 * service to drive one output's targets once. The service accepts it only in dry run, where
 * the engine does not own the targets (otherwise the next engine change would fight it).
 */
import { positionals, type CliIo } from '../io';
import { notRunning, targetService, withBus } from './remote';
import { Typed } from '../venus/bus';

const PATHS: Record<string, string> = {
  load: '/Bms/TestOutput/Load',
  charge: '/Bms/TestOutput/Charge',
  preAlarm: '/Bms/TestOutput/PreAlarm',
};

export async function testOutputCommand(argv: string[], io: CliIo): Promise<number> {
  // main() has checked them (argProblem); this guards a direct call.
  const [output, level] = positionals(argv, { values: ['--config', '--service'] });
  if (!output || !(output in PATHS) || (level !== 'on' && level !== 'off')) {
    io.error('usage: smallbms test-output <load|charge|preAlarm> <on|off>');
    return 2;
  }
  const service = await targetService(argv);
  try {
    const [code] = await withBus((bus) =>
      bus.call({
        destination: service,
        path: PATHS[output],
        interface: 'com.victronenergy.BusItem',
        member: 'SetValue',
        signature: 'v',
        body: [new Typed('i', level === 'on' ? 1 : 0)],
      }),
    );
    if (code === 0) {
      io.log(`${output} driven ${level} (dry run: the engine does not drive targets)`);
      return 0;
    }
    io.error(
      'refused: test-output works only in dry run (smallbms dry-run on, or the GX console), and the output must have targets',
    );
    return 1;
  } catch (err) {
    io.error(notRunning(service, err));
    return 1;
  }
}
