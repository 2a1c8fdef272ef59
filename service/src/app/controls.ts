/**
 * The user's switches that must survive a restart before D-Bus is even up: the software
 * remote (/Mode) and dry run. Kept in <dataDir>/controls.json, written atomically; read
 * synchronously at start so the first engine step already knows them (a restart must never
 * switch a battery system on that the user had put in standby).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../store/atomic';

export interface Controls {
  remoteOn: boolean;
  dryRun: boolean;
}

export function controlsFile(dataDir: string): string {
  return path.join(dataDir, 'controls.json');
}

/** Stored controls, or the defaults (remote on, dry run from the config) with a warning. */
export function loadControls(
  dataDir: string,
  defaults: Controls,
): { controls: Controls; warning: string | null } {
  const file = controlsFile(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      controls: defaults,
      warning: code === 'ENOENT' ? null : `cannot read ${file}: ${(err as Error).message}`,
    };
  }
  try {
    const v = JSON.parse(text) as Partial<Controls>;
    if (typeof v.remoteOn === 'boolean' && typeof v.dryRun === 'boolean') {
      return { controls: { remoteOn: v.remoteOn, dryRun: v.dryRun }, warning: null };
    }
  } catch {
    // fall through
  }
  // Corrupt: fall back to what a fresh install does (remote on); the warning is logged. The
  // protection itself does not depend on this switch: the BMS lines still rule.
  return { controls: defaults, warning: `${file} is corrupt; using defaults` };
}

export async function saveControls(dataDir: string, controls: Controls): Promise<void> {
  await fs.promises.mkdir(dataDir, { recursive: true });
  await writeFileAtomic(controlsFile(dataDir), JSON.stringify(controls) + '\n');
}
