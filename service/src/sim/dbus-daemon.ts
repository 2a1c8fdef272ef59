/**
 * A private dbus-daemon for tests and `smallbms demo`: generated config in a temp dir,
 * permissive policy like Venus's system.conf, unix socket, `--nofork --print-address`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PrivateDbusDaemon {
  /** The address to pass to connectBus or DBUS_SYSTEM_BUS_ADDRESS. */
  address: string;
  pid: number;
  stop(): Promise<void>;
}

export interface DbusDaemonOptions {
  /** Default: dbus-daemon found on $PATH. */
  binary?: string;
  /** Venus allows 1024; tests lower it to prove we stay well under. */
  maxMatchRulesPerConnection?: number;
  startTimeoutMs?: number;
}

/** The install hint printed wherever dbus-daemon is missing. */
export const DBUS_DAEMON_HINT =
  'dbus-daemon not found on PATH (Debian/Ubuntu: apt-get install dbus)';

/** dbus-daemon's path: the first executable `dbus-daemon` on $PATH, or null. */
export function findDbusDaemon(envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'dbus-daemon');
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export function dbusDaemonAvailable(): boolean {
  return findDbusDaemon() !== null;
}

function config(socket: string, maxMatchRules: number): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
  <limit name="max_match_rules_per_connection">${maxMatchRules}</limit>
  <limit name="reply_timeout">120000</limit>
</busconfig>
`;
}

export function startDbusDaemon(options: DbusDaemonOptions = {}): Promise<PrivateDbusDaemon> {
  const binary = options.binary ?? findDbusDaemon();
  if (!binary) return Promise.reject(new Error(DBUS_DAEMON_HINT));
  const dir = mkdtempSync(join(tmpdir(), 'smallbms-dbus-'));
  const configFile = join(dir, 'bus.conf');
  writeFileSync(configFile, config(join(dir, 'bus'), options.maxMatchRulesPerConnection ?? 1024));
  const child: ChildProcess = spawn(
    binary,
    [`--config-file=${configFile}`, '--nofork', '--nopidfile', '--print-address=1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      cleanup();
      reject(new Error(`dbus-daemon did not print its address in time: ${errors}`));
    }, options.startTimeoutMs ?? 5000);
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('error', (err) => {
      clearTimeout(timer);
      cleanup();
      reject(new Error(`cannot start dbus-daemon: ${err.message}`));
    });
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      cleanup();
      reject(new Error(`dbus-daemon exited (${code}): ${errors}`));
    };
    child.once('exit', onEarlyExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const newline = output.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeListener('exit', onEarlyExit);
      const address = output.slice(0, newline).trim();
      resolve({
        address,
        pid: child.pid ?? -1,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            await exited;
          }
          cleanup();
        },
      });
    });
  });
}
