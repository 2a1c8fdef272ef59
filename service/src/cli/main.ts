/**
 * `smallbms <command>`: one table of commands, each loaded only when it runs, so
 * `check-config` on a GX does not pay for D-Bus and MQTT start-up. To add a command, add
 * one entry to COMMANDS with a lazy import of its module.
 */
import { version } from '../../../package.json';

/** Where a command writes; tests pass a recorder, the launcher passes the console. */
export interface CliIo {
  log(line: string): void;
  error(line: string): void;
}

/** A command: its arguments (after the command name) → exit code. */
export type CommandFn = (argv: string[], io: CliIo) => Promise<number>;

interface CommandEntry {
  usage: string;
  summary: string;
  /** Absent while the command is not built yet. */
  load?: () => Promise<CommandFn>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  run: {
    usage: 'run [--config FILE]',
    summary: 'the service (what daemontools starts)',
    load: () => import('./run').then((m) => m.runCommand),
  },
  demo: {
    usage: 'demo [--speed N] [--interactive] [--keep]',
    summary: 'the whole service on a simulated GX, with a scripted discharge/charge story',
    load: () => import('../demo/demo').then((m) => m.demoCommand),
  },
  status: {
    usage: 'status [--json]',
    summary: 'state, lines, outputs, alarms and countdowns of the running service',
    load: () => import('./status').then((m) => m.statusCommand),
  },
  events: {
    usage: 'events [--json] [--follow]',
    summary: 'the protection event history',
    load: () => import('./events').then((m) => m.eventsCommand),
  },
  'check-config': {
    usage: 'check-config [FILE]',
    summary: 'validate a config: exit 0 and a summary, or exit 1 and every problem',
    load: () => import('./check-config').then((m) => m.checkConfigCommand),
  },
  'test-output': {
    usage: 'test-output <load|charge|preAlarm> <on|off>',
    summary: 'commissioning: drive one output once, on explicit request',
    load: () => import('./test-output').then((m) => m.testOutputCommand),
  },
};

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
    io.error(`unknown command "${name}"`);
    io.error(usage());
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
