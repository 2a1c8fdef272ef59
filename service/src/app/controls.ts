/**
 * The user's switches that must survive a restart before D-Bus is even up: the software
 * remote (/Mode) and dry run. Kept in <dataDir>/controls.json, written atomically; read
 * synchronously at start so the first engine step already knows them (a restart must never
 * switch a battery system on that the user had put in standby).
 *
 * Dry run has two masters: the config's `dryRun` and the live switch (console, `smallbms
 * dry-run`, MQTT W/ over D-Bus). The config's value is remembered next to the live one: when
 * the config's value has changed since the last start (the user edited it), the config wins;
 * otherwise the live switch persists. A file from before this rule (no remembered config
 * value) cannot tell, so the config wins: a user who set `"dryRun": false` gets protection.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../store/atomic';
import { mkdirp } from '../store/fs-async';

export interface Controls {
  remoteOn: boolean;
  dryRun: boolean;
  /** The config's `dryRun` when these controls were last resolved or saved. */
  configDryRun?: boolean;
  /** Who set the current dry run, in words (`the config`, `D-Bus /Bms/DryRun`). */
  dryRunBy?: string;
}

export const BY_CONFIG = 'the config (dryRun)';

export function controlsFile(dataDir: string): string {
  return path.join(dataDir, 'controls.json');
}

export interface LoadedControls {
  controls: Controls;
  warning: string | null;
  /** The config's dryRun overrode a different stored live value (the user edited it). */
  configWon: boolean;
  /** The file should be rewritten so that it remembers the config's current value. */
  stale: boolean;
}

/** Stored controls resolved against the config's dryRun (see the file comment). */
export function loadControls(dataDir: string, configDryRun: boolean): LoadedControls {
  const fresh: Controls = {
    remoteOn: true,
    dryRun: configDryRun,
    configDryRun,
    dryRunBy: BY_CONFIG,
  };
  const file = controlsFile(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      controls: fresh,
      warning: code === 'ENOENT' ? null : `cannot read ${file}: ${(err as Error).message}`,
      configWon: false,
      stale: false,
    };
  }
  try {
    const v = JSON.parse(text) as Partial<Controls>;
    if (typeof v.remoteOn === 'boolean' && typeof v.dryRun === 'boolean') {
      const remembered = typeof v.configDryRun === 'boolean' ? v.configDryRun : undefined;
      if (remembered === configDryRun) {
        const by = typeof v.dryRunBy === 'string' && v.dryRunBy ? v.dryRunBy : BY_CONFIG;
        return {
          controls: { remoteOn: v.remoteOn, dryRun: v.dryRun, configDryRun, dryRunBy: by },
          warning: null,
          configWon: false,
          stale: false,
        };
      }
      // The config changed since the last start (or the file predates the remembered value).
      return {
        controls: { ...fresh, remoteOn: v.remoteOn },
        warning: null,
        configWon: v.dryRun !== configDryRun,
        stale: true,
      };
    }
  } catch {
    // fall through
  }
  // Corrupt: fall back to what a fresh install does (remote on); the warning is logged. The
  // protection itself does not depend on this switch: the BMS lines still rule.
  return {
    controls: fresh,
    warning: `${file} is corrupt; using defaults`,
    configWon: false,
    stale: true,
  };
}

export async function saveControls(dataDir: string, controls: Controls): Promise<void> {
  await mkdirp(dataDir);
  await writeFileAtomic(controlsFile(dataDir), JSON.stringify(controls) + '\n');
}

/** The status note while dry run is on (/Bms/Notes, `smallbms status`, the console). */
export function dryRunNote(controls: Controls): string | null {
  if (!controls.dryRun) return null;
  return `dry run: outputs are not driven, protection is off (set by ${controls.dryRunBy ?? BY_CONFIG})`;
}
