import { OUTPUT_NAMES, type OutputName } from '../../src/core/types';
import type { OutputTarget, SmallBmsConfig } from '../../src/config/types';
import type { RemoteValues } from '../../src/venus/api';
import type { Clock } from '../clock';
import { RelayTarget } from './relay';
import { BuzzerTarget, DeviceTarget, DvccTarget, GpioTarget, SwitchTarget } from './simple';
import type { Target } from './types';

export interface BuiltTargets {
  byOutput: Record<OutputName, Target[]>;
  /** The DVCC targets, for the battery service to follow (empty when none is configured). */
  dvcc: Array<{ output: OutputName; target: DvccTarget }>;
  relays: RelayTarget[];
}

/**
 * Targets for every output of the config. With boot policy "safe", each relay keeps its
 * InitialState at "not allowed" / "pre-alarm off", so a GX reboot starts safe.
 */
export interface BuildOptions {
  /** Follow gpio targets on this clock (a file has no change signal). */
  clock?: Clock;
  gpioCheckMs?: number;
  /** Logical levels the previous run left, for the DVCC targets (held until decided). */
  held?: { load: boolean; charge: boolean; preAlarm: boolean } | null;
}

export function buildTargets(
  config: Pick<SmallBmsConfig, 'outputs' | 'gpioRoot' | 'bootPolicy'>,
  remote?: RemoteValues,
  opts: BuildOptions = {},
): BuiltTargets {
  const built: BuiltTargets = {
    byOutput: { load: [], charge: [], preAlarm: [] },
    dvcc: [],
    relays: [],
  };
  const needRemote = (t: OutputTarget): RemoteValues => {
    if (remote === undefined) throw new Error(`a ${t.type} target needs D-Bus`);
    return remote;
  };
  for (const output of OUTPUT_NAMES) {
    for (const t of config.outputs[output]) {
      let target: Target;
      switch (t.type) {
        case 'relay': {
          const bootLevel = config.bootPolicy === 'safe' ? false : undefined;
          const relay = new RelayTarget(t, needRemote(t), { bootLevel });
          built.relays.push(relay);
          target = relay;
          break;
        }
        case 'switch':
          target = new SwitchTarget(t, needRemote(t));
          break;
        case 'device':
          target = new DeviceTarget(t, needRemote(t));
          break;
        case 'buzzer':
          target = new BuzzerTarget(t, needRemote(t));
          break;
        case 'gpio':
          target = new GpioTarget(
            t,
            config.gpioRoot,
            opts.clock ? { clock: opts.clock, everyMs: opts.gpioCheckMs ?? 1000 } : undefined,
          );
          break;
        case 'dvcc': {
          const dvcc = new DvccTarget(t, opts.held?.[output] ?? null);
          built.dvcc.push({ output, target: dvcc });
          target = dvcc;
          break;
        }
      }
      built.byOutput[output].push(target);
    }
  }
  return built;
}
