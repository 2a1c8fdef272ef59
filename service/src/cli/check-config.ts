/**
 * `smallbms check-config [FILE]`: validate a config without starting anything. Exit 0 with a
 * summary of the wiring as the service will see it, or exit 1 with every problem and its
 * JSON path, so a user fixes them all in one round.
 */
import { loadConfigFile, resolveConfigPath } from '../config/load';
import { formatProblem } from '../config/problem';
import { configWarnings } from '../config/summary';
import type { CliIo } from '../io';

export const CHECK_CONFIG_USAGE =
  'smallbms check-config [FILE]   validate FILE (default: --config, $SMALLBMS_CONFIG, /data/conf/smallbms.json)';

export async function checkConfigCommand(
  argv: string[],
  out: CliIo,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.log(`usage: ${CHECK_CONFIG_USAGE}`);
    return 0;
  }
  const positional = argv.filter((a, i) => !a.startsWith('-') && argv[i - 1] !== '--config');
  const unknownFlag = argv.find(
    (a) => a.startsWith('-') && a !== '--config' && !a.startsWith('--config='),
  );
  if (unknownFlag !== undefined || positional.length > 1) {
    out.error(unknownFlag !== undefined ? `unknown option ${unknownFlag}` : 'give one config file');
    out.error(`usage: ${CHECK_CONFIG_USAGE}`);
    return 2;
  }
  const file = positional[0] ?? resolveConfigPath(argv, env);
  const result = await loadConfigFile(file);
  if (!result.ok) {
    const n = result.problems.length;
    out.error(`${file}: ${n} problem${n === 1 ? '' : 's'}`);
    for (const p of result.problems) out.error(`  ${formatProblem(p)}`);
    return 1;
  }
  const warnings = configWarnings(result.config);
  const n = warnings.length;
  out.log(`${file}: valid`);
  for (const line of result.summary) out.log(`  ${line}`);
  if (n > 0) {
    // Valid, so exit 0; but each of these gives up a fail-safe.
    out.log(`warnings (${n}): valid, but not fail-safe:`);
    for (const w of warnings) out.log(`  ${w}`);
  }
  return 0;
}
