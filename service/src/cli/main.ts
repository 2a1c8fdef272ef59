/**
 * `smallbms <command>`: one table of commands, each loaded only when it runs, so
 * `check-config` on a GX does not pay for D-Bus and MQTT start-up. To add a command, add
 * one entry to COMMANDS with a lazy import of its module.
 */
import { version } from '../../../package.json';
import { argProblem, endQuietlyOnClosedPipe, positiveCount, type ArgSpec, type CliIo } from '../io';

/** A command: its arguments (after the command name) → exit code. */
export type CommandFn = (argv: string[], io: CliIo) => Promise<number>;

interface CommandEntry {
  usage: string;
  summary: string;
  /** What it accepts: anything else is refused (exit 2) before the command loads. */
  args: ArgSpec;
  /** Absent while the command is not built yet. */
  load?: () => Promise<CommandFn>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  run: {
    usage: 'run [--config FILE]',
    summary: 'the service (what daemontools starts)',
    args: {
      values: ['--config', '--sim-speed'],
      flags: ['--no-dbus'],
      numbers: { '--sim-speed': { ok: (n) => n > 0, what: 'a number above 0' } },
    },
    load: () => import('./run').then((m) => m.runCommand),
  },
  demo: {
    usage: 'demo [--speed N] [--interactive] [--keep]',
    summary: 'the whole service on a simulated GX, with a scripted discharge/charge story',
    args: {
      values: ['--speed'],
      flags: ['--interactive', '--keep'],
      numbers: { '--speed': { ok: (n) => n >= 1 && n <= 500, what: 'a number from 1 to 500' } },
    },
    load: () => import('../demo/demo').then((m) => m.demoCommand),
  },
  status: {
    usage: 'status [--json]',
    summary: 'state, lines, outputs, alarms and countdowns of the running service',
    args: { values: ['--config', '--service'], flags: ['--json'] },
    load: () => import('./status').then((m) => m.statusCommand),
  },
  events: {
    usage: 'events [--json] [--follow] [-n N]',
    summary: 'the protection event history (last N events, default 50)',
    args: {
      values: ['--config', '--data-dir', '-n'],
      flags: ['--json', '--follow'],
      numbers: {
        '-n': {
          ok: (_n, text) => typeof positiveCount(text, '-n') === 'number',
          what: 'a whole number ≥ 1',
        },
      },
    },
    load: () => import('./events').then((m) => m.eventsCommand),
  },
  'check-config': {
    usage: 'check-config [FILE]',
    summary: 'validate a config: exit 0 and a summary, or exit 1 and every problem',
    args: { values: ['--config'], positional: 1 },
    load: () => import('./check-config').then((m) => m.checkConfigCommand),
  },
  'test-output': {
    usage: 'test-output <load|charge|pre-alarm> <on|off|stop>',
    summary: 'commissioning: force one output on/off, or stop the test (only in dry run)',
    args: {
      values: ['--config', '--service'],
      positional: 2,
      words: [
        // `pre-alarm` as people write it; `preAlarm`, the config's key, works too.
        { choices: ['load', 'charge', 'pre-alarm'], also: ['preAlarm'], required: true },
        { choices: ['on', 'off', 'stop'], required: true },
      ],
    },
    load: () => import('./test-output').then((m) => m.testOutputCommand),
  },
  'dry-run': {
    usage: 'dry-run [on|off]',
    summary: 'show or set dry run (decide, but drive no output), over D-Bus like the console',
    args: { values: ['--config', '--service'], positional: 1, words: [{ choices: ['on', 'off'] }] },
    load: () => import('./dry-run').then((m) => m.dryRunCommand),
  },
};

/** One line per option, for `smallbms <command> --help` (every option a command accepts). */
export const OPTION_HELP: Record<string, string> = {
  '--config': '--config FILE    the config (else $SMALLBMS_CONFIG, else /data/conf/smallbms.json)',
  '--service': '--service NAME   the D-Bus service to reach (default: named by the config)',
  '--data-dir': "--data-dir DIR   the history's directory (default: the config's dataDir)",
  '-n': '-n N             the last N events, N a whole number ≥ 1 (default 50)',
  '--json': '--json           JSON instead of text',
  '--follow': '--follow         keep printing new events as they are written (Ctrl-C ends)',
  '--no-dbus': '--no-dbus        run without D-Bus (tests, the demo off a GX)',
  '--sim-speed': '--sim-speed N    accelerated simulation clock (refused on a real GX)',
  '--speed': '--speed N        simulated seconds per real second, 1 to 500 (default 20)',
  '--interactive': '--interactive    drive the lines yourself instead of the scripted story',
  '--keep': '--keep           stay up afterwards (try status, events, MQTT)',
};

/** `smallbms <command> --help`: usage, what it does, and every option it accepts. */
export function commandHelp(name: string): string[] {
  const entry = COMMANDS[name];
  const names = [...(entry.args.flags ?? []), ...(entry.args.values ?? [])];
  const out = [`usage: smallbms ${entry.usage}`, `  ${entry.summary}`];
  if (names.length > 0) {
    out.push('options:');
    for (const n of names) out.push(`  ${OPTION_HELP[n] ?? n}`);
  }
  return out;
}

export function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length)) + 2;
  const lines = Object.values(COMMANDS).map((c) => {
    const note = c.load ? '' : ' (not available yet)';
    return `  smallbms ${c.usage.padEnd(width)}${c.summary}${note}`;
  });
  return [
    `smallbms ${version}: Victron smallBMS NG protection logic as a Venus OS service`,
    '',
    'usage:',
    ...lines,
    '  smallbms --version',
    '',
    'Config: --config FILE, else $SMALLBMS_CONFIG, else /data/conf/smallbms.json.',
    'status, test-output and dry-run reach the service named by the config (or --service NAME)',
    'on the bus at $DBUS_SYSTEM_BUS_ADDRESS (default: the system bus).',
  ].join('\n');
}

/** Run one command line; returns the exit code and never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.log(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.log(version);
    return 0;
  }
  const entry = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.error(`smallbms: unknown command "${name}"`);
    io.error(usage());
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    for (const line of commandHelp(name)) io.log(line);
    return 0;
  }
  const problem = argProblem(rest, entry.args);
  if (problem) {
    io.error(`smallbms ${name}: ${problem}`);
    io.error(`usage: smallbms ${entry.usage}`);
    return 2;
  }
  if (!entry.load) {
    io.error(`smallbms ${name} is not available yet in this version`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command(rest, io);
  } catch (error) {
    // Users get one clean line; developers set SMALLBMS_DEBUG=1 for the stack.
    const message = error instanceof Error ? error.message : String(error);
    io.error(`smallbms ${name}: ${message}`);
    if (process.env.SMALLBMS_DEBUG === '1' && error instanceof Error && error.stack) {
      io.error(error.stack);
    }
    return 1;
  }
}

const consoleIo: CliIo = {
  log: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Start when this file is the program: run directly (`node main.js`), or as the esbuild
 * bundle dist/smallbms.js, which bin/smallbms and the release launcher `require` (so there
 * `require.main` is the launcher, not this module). Under jest neither holds.
 */
if (require.main === module || /[\\/]smallbms\.js$/.test(__filename)) {
  // `smallbms status | head -2`: the reader went away; stop quietly (no EPIPE stack trace).
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  main(process.argv.slice(2), consoleIo).then(
    (code) => {
      // exitCode, not exit(): let stdout drain (pipes) and long-running commands keep going.
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`smallbms: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
