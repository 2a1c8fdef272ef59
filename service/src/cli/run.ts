/**
 * `smallbms run [--config FILE]`: the service as daemontools starts it. A bad config is
 * reported (every problem) and the process exits 1; daemontools retries, and the log says
 * why. An accelerated clock (`--sim-speed N`, for tests and the demo) is refused on a GX.
 */
import * as fs from 'node:fs';
import pino from 'pino';
import { version } from '../../../package.json';
import { loadConfigFile, resolveConfigPath } from '../config/load';
import { formatProblem } from '../config/problem';
import { configWarnings } from '../config/summary';
import { App } from '../app/app';
import { BOARDS, boardProblems, clockScaleProblem } from '../../hw/boards';
import { createClock } from '../../hw/clock';
import { connectBus, systemBusAddress, type Bus } from '../venus/bus';
import { flag, option, type CliIo } from '../io';

/** CLOCK_MONOTONIC in ms (time since boot): comparable across restarts of the service. */
function bootMonotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000000n);
}

function portalId(): string {
  if (process.env.SMALLBMS_PORTAL_ID) return process.env.SMALLBMS_PORTAL_ID;
  try {
    return fs.readFileSync('/data/venus/unique-id', 'utf8').trim() || 'local';
  } catch {
    return 'local';
  }
}

async function connectWithRetry(log: pino.Logger, attempts: number): Promise<Bus> {
  for (let i = 1; ; i++) {
    try {
      return await connectBus(systemBusAddress());
    } catch (err) {
      if (i >= attempts) throw new Error(`D-Bus unreachable (${(err as Error).message})`);
      log.warn({ attempt: i, err: (err as Error).message }, 'D-Bus not reachable yet');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const file = resolveConfigPath(argv, process.env);
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) {
    io.error(`${file}: the config has problems, not starting:`);
    for (const p of loaded.problems) io.error(`  ${formatProblem(p)}`);
    return 1;
  }
  const config = loaded.config;
  const speedText = option(argv, '--sim-speed') ?? process.env.SMALLBMS_SIM_SPEED ?? '1';
  const speed = Number(speedText);
  if (speedText.trim() === '' || !Number.isFinite(speed) || speed <= 0) {
    const from = option(argv, '--sim-speed') === undefined ? 'SMALLBMS_SIM_SPEED' : '--sim-speed';
    io.error(`smallbms run: ${from} must be a number above 0 (got "${speedText}")`);
    return 2;
  }
  const scaleProblem = clockScaleProblem(speed, config.board);
  if (scaleProblem) {
    io.error(scaleProblem);
    return 1;
  }
  const logger = pino({
    level: process.env.SMALLBMS_LOG_LEVEL ?? 'info',
    base: { bank: config.name },
  });
  for (const p of boardProblems(config, BOARDS[config.board])) logger.warn(p);
  for (const w of configWarnings(config)) logger.warn(`config: ${w}`);
  // Simulation time starts at 0; real time is CLOCK_MONOTONIC (comparable across restarts).
  const clock = createClock(
    speed === 1 ? { start: bootMonotonicMs() } : { scale: speed, start: 0 },
  );
  const bus = flag(argv, '--no-dbus') ? null : await connectWithRetry(logger, 30);

  const app = new App({ config, clock, logger, version, bus, portalId: portalId() });
  await app.start();
  logger.info({ config: file, version, speed, dbus: bus !== null }, 'smallbms running');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (code: number, why: string): void => {
      if (stopping) return;
      stopping = true;
      // Set now: should the stop hang, the exit code must still tell daemontools the truth.
      process.exitCode = code;
      logger.info({ why }, 'stopping');
      void app
        .stop()
        .catch((err: Error) => logger.error({ err: err.message }, 'stop failed'))
        .finally(() => {
          bus?.disconnect();
          logger.flush();
          resolve(code);
          // Timers of libraries (reconnects) must not keep a stopped service alive.
          setTimeout(() => process.exit(code), 200).unref();
        });
    };
    process.on('SIGTERM', () => stop(0, 'SIGTERM'));
    process.on('SIGINT', () => stop(0, 'SIGINT'));
    // Without the bus we cannot drive relays or be seen: restart cleanly (daemontools).
    void bus?.closed.then(() => stop(1, 'D-Bus connection lost'));
  });
}
