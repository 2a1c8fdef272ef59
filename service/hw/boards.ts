import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardName, SmallBmsConfig } from '../src/config/types';

/**
 * What a GX offers to this service. Sources (Victron's public code):
 * - relays and digital inputs: the device trees' `gpio-line-names` (victronenergy/linux
 *   sun7i-a20-einstein-cerbo-*.dts: relay_1..2, digital_input_1..4; sun8i-h3-sinh3-ekrano.dts:
 *   relay_1..2, digital_input_1..2) exported to /dev/gpio by meta-victronenergy gpio-export;
 * - buzzer: both device trees declare a `pwm-beeper`, and meta-victronenergy
 *   machine-runtime-conf `sunxi/pwm_buzzer.in` enables it for `victronenergy,cerbo-gx.*` and
 *   `victronenergy,ekrano-gx`, so dbus-systemcalc-py (delegates/buzzercontrol.py) publishes
 *   `/Buzzer/State` on both.
 */
export interface BoardProfile {
  name: BoardName;
  label: string;
  /** Relay numbers as printed on the device. */
  relays: readonly number[];
  /** Digital input numbers as printed on the device. */
  digitalInputs: readonly number[];
  /** com.victronenergy.system /Buzzer/State exists. */
  hasBuzzer: boolean;
  /** Not real hardware: accelerated clocks and the demo are allowed. */
  simulated: boolean;
}

export const BOARDS: Readonly<Record<BoardName, BoardProfile>> = {
  'cerbo-gx': {
    name: 'cerbo-gx',
    label: 'Cerbo GX',
    relays: [1, 2],
    digitalInputs: [1, 2, 3, 4],
    hasBuzzer: true,
    simulated: false,
  },
  'ekrano-gx': {
    name: 'ekrano-gx',
    label: 'Ekrano GX',
    relays: [1, 2],
    digitalInputs: [1, 2],
    hasBuzzer: true,
    simulated: false,
  },
  simulated: {
    name: 'simulated',
    label: 'simulated GX (Cerbo GX shape)',
    relays: [1, 2],
    digitalInputs: [1, 2, 3, 4],
    hasBuzzer: true,
    simulated: true,
  },
};

export interface DetectedBoard {
  /** null: not a GX, or a GX this service has no profile for (e.g. a Maxi GX). */
  board: BoardName | null;
  /** Contents of /etc/venus/machine (the OE MACHINE: einstein, ekrano, nanopi, ...). */
  machine: string | null;
  /** Device-tree model, e.g. "Cerbo GX", when readable. */
  model: string | null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').replace(/\0/g, '\n').trim();
  } catch {
    return null;
  }
}

/**
 * Identify the GX. Venus writes its OE MACHINE to /etc/venus/machine (meta-victronenergy
 * machine-runtime-conf); the device-tree `compatible` tells boards of one machine apart
 * (nanopi covers the Ekrano GX and other H3 products). `root` is injectable for tests.
 */
export function detectBoard(root = '/'): DetectedBoard {
  const machine = readText(join(root, 'etc/venus/machine'));
  const model = readText(join(root, 'sys/firmware/devicetree/base/model'));
  const compatible = readText(join(root, 'sys/firmware/devicetree/base/compatible')) ?? '';
  let board: BoardName | null = null;
  if (/^victronenergy,cerbo-gx/m.test(compatible)) board = 'cerbo-gx';
  else if (/^victronenergy,ekrano-gx/m.test(compatible)) board = 'ekrano-gx';
  else if (machine === 'einstein' && model !== null && /cerbo/i.test(model)) board = 'cerbo-gx';
  else if (machine === 'ekrano') board = 'ekrano-gx';
  return { board, machine, model };
}

/** Any Venus OS device (it has /etc/venus/machine): never run an accelerated clock there. */
export function isRealGx(root = '/'): boolean {
  return readText(join(root, 'etc/venus/machine')) !== null;
}

/**
 * Refuse a clock scale other than 1 unless the configured board is simulated and this is
 * not a GX. Returns the reason, or null when allowed.
 */
export function clockScaleProblem(scale: number, board: BoardName, root = '/'): string | null {
  if (scale === 1) return null;
  if (!BOARDS[board].simulated)
    return `clock scale ${scale} needs board "simulated", not "${board}"`;
  if (isRealGx(root)) return `clock scale ${scale} refused: this is a real GX`;
  return null;
}

/** Config references the board cannot honour (relay or input numbers, a missing buzzer). */
export function boardProblems(
  config: Pick<SmallBmsConfig, 'lines' | 'outputs'>,
  profile: BoardProfile,
): string[] {
  const out: string[] = [];
  for (const [role, line] of Object.entries(config.lines)) {
    const src = line?.source;
    if (src === undefined || src.type === 'dbus') continue;
    if (src.input !== undefined && !profile.digitalInputs.includes(src.input)) {
      out.push(`lines.${role}: ${profile.label} has no digital input ${src.input}`);
    }
  }
  for (const [output, targets] of Object.entries(config.outputs)) {
    targets.forEach((t, i) => {
      if (t.type === 'relay' && !profile.relays.includes(t.relay)) {
        out.push(`outputs.${output}[${i}]: ${profile.label} has no relay ${t.relay}`);
      }
      if (t.type === 'buzzer' && !profile.hasBuzzer) {
        out.push(`outputs.${output}[${i}]: ${profile.label} has no buzzer`);
      }
    });
  }
  return out;
}
