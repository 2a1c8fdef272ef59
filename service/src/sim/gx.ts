/**
 * A simulated GX on any Linux machine: a private dbus-daemon with the Victron stand-ins
 * (localsettings, systemcalc's relays, a battery monitor), a sysfs-like board of real files,
 * a config for it, and the real `smallbms run` started as a child process. Used by the
 * end-to-end tests, `smallbms demo` and the bench, so all three run the production path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimBoard } from '../../hw/simboard';
import { BatteryMonitorStandIn } from './battery-monitor';
import { dbusDaemonAvailable, startDbusDaemon, type PrivateDbusDaemon } from './dbus-daemon';
import { LocalSettingsStandIn } from './localsettings';
import { SystemcalcStandIn } from './systemcalc';

export const SIM_BATTERY_SERVICE = 'com.victronenergy.battery.sim';

export interface SimGxOptions {
  /** Directory for the board, data, config and logs (created). */
  root: string;
  /** Start a private dbus-daemon and the stand-ins (default: when dbus-daemon exists). */
  dbus?: boolean;
  /** Relay function settings preset to manual (default true). */
  relaysManual?: boolean;
  /** Initial battery monitor reading. */
  battery?: { soc: number; voltage: number; current: number };
  /** MQTT broker URL for the service (default: MQTT off). */
  mqttUrl?: string;
  /** Change the generated config before it is written. */
  editConfig?: (config: Record<string, unknown>) => void;
  /** The node executable that runs the service (default: the one running this process). */
  node?: string;
}

/** The config a simulated Cerbo GX uses: lines on inputs 1–4, relays 1–2, pre-alarm GPIO. */
export function simConfig(o: SimGxOptions, withDbus: boolean): Record<string, unknown> {
  const line = (input: number): Record<string, unknown> => ({
    source: { type: 'gpio', input, pollMs: 20 },
    debounceMs: 20,
  });
  const config: Record<string, unknown> = {
    name: 'Default',
    board: 'simulated',
    gpioRoot: path.join(o.root, 'gpio'),
    dataDir: path.join(o.root, 'data'),
    systemVoltage: 12,
    lines: {
      dischargeAllowed: line(1),
      chargeAllowed: line(2),
      preAlarm: line(3),
      remote: line(4),
    },
    outputs: withDbus
      ? {
          load: [{ type: 'relay', relay: 1 }],
          charge: [{ type: 'relay', relay: 2 }],
          preAlarm: [{ type: 'gpio', path: 'prealarm/value' }],
        }
      : {
          load: [{ type: 'gpio', path: 'relay_1/value' }],
          charge: [{ type: 'gpio', path: 'relay_2/value' }],
          preAlarm: [{ type: 'gpio', path: 'prealarm/value' }],
        },
    mqtt: o.mqttUrl
      ? { enabled: true, url: o.mqttUrl, prefix: 'smallbms/{portalId}' }
      : { enabled: false },
  };
  if (withDbus) config.batteryMonitor = { service: SIM_BATTERY_SERVICE, staleTimeoutS: 30 };
  o.editConfig?.(config);
  return config;
}

export class SimGx {
  readonly board: SimBoard;
  readonly configFile: string;
  daemon: PrivateDbusDaemon | null = null;
  settings: LocalSettingsStandIn | null = null;
  systemcalc: SystemcalcStandIn | null = null;
  battery: BatteryMonitorStandIn | null = null;

  private constructor(readonly o: SimGxOptions) {
    fs.mkdirSync(o.root, { recursive: true });
    // Closed contacts (0 = asserted) on ATD, ATC and remote; the pre-alarm contact open.
    this.board = SimBoard.create(path.join(o.root, 'gpio'), { inputLevel: 0 });
    this.board.setInput(3, 1);
    fs.mkdirSync(path.join(o.root, 'gpio', 'prealarm'), { recursive: true });
    fs.writeFileSync(path.join(o.root, 'gpio', 'prealarm', 'value'), '0\n');
    this.configFile = path.join(o.root, 'smallbms.json');
  }

  get address(): string | null {
    return this.daemon?.address ?? null;
  }

  /** Board, D-Bus and stand-ins up, config written. Inputs start asserted (0 = closed). */
  static async start(o: SimGxOptions): Promise<SimGx> {
    const gx = new SimGx(o);
    const withDbus = o.dbus ?? dbusDaemonAvailable();
    if (withDbus) {
      gx.daemon = await startDbusDaemon();
      const address = gx.daemon.address;
      const manual = o.relaysManual ?? true;
      gx.settings = new LocalSettingsStandIn({
        address,
        file: path.join(o.root, 'settings.json'),
        initial: manual
          ? { '/Settings/Relay/Function': 2, '/Settings/Relay/1/Function': 2 }
          : undefined,
      });
      await gx.settings.start();
      gx.systemcalc = new SystemcalcStandIn({ address, gpioRoot: gx.board.root, relays: 2 });
      await gx.systemcalc.start();
      const b = o.battery ?? { soc: 80, voltage: 13.1, current: -5 };
      gx.battery = new BatteryMonitorStandIn({ address, suffix: 'sim', ...b });
      await gx.battery.start();
    }
    fs.writeFileSync(gx.configFile, JSON.stringify(simConfig(o, withDbus), null, 2));
    return gx;
  }

  /** The node executable spawnService runs the service with. */
  get node(): string {
    return this.o.node ?? process.execPath;
  }

  prealarmLevel(): 0 | 1 | null {
    try {
      const t = fs.readFileSync(path.join(this.board.root, 'prealarm', 'value'), 'utf8').trim();
      return t === '1' ? 1 : t === '0' ? 0 : null;
    } catch {
      return null;
    }
  }

  /**
   * Start `smallbms run` on this GX; stdout/stderr go to `<root>/service.log`. `script` is
   * the smallbms entry (the bundle or a launcher); the demo passes its own.
   */
  spawnService(
    script: string,
    extraArgs: string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): ChildProcess {
    const args = [script, 'run', '--config', this.configFile, ...extraArgs];
    if (!this.daemon) args.push('--no-dbus');
    const log = fs.openSync(path.join(this.o.root, 'service.log'), 'a');
    return spawn(this.node, args, {
      env: {
        ...process.env,
        DBUS_SYSTEM_BUS_ADDRESS: this.daemon?.address ?? 'unix:path=/nonexistent',
        SMALLBMS_PORTAL_ID: 'simgx',
        ...env,
      },
      stdio: ['ignore', log, log],
    });
  }

  async stop(): Promise<void> {
    await this.battery?.stop().catch(() => undefined);
    await this.systemcalc?.stop().catch(() => undefined);
    await this.settings?.stop().catch(() => undefined);
    await this.daemon?.stop().catch(() => undefined);
  }
}
