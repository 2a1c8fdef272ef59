/**
 * Hide the GX relays we own from gui-v2's Switches pane (behaviour.md section 6): newer
 * systemcalc publishes each built-in relay as a switchable output with
 * `/SwitchableOutput/<i>/Settings/ShowUIControl` (stored as `/Settings/Relay/<i>/ShowUIControl`,
 * numbered for relay 0 too; relaystate.py v2.256). We set it to 0 for every relay the config
 * uses, after writing down its previous value in `<dataDir>/relay-ui` (one "index value" line
 * per relay, simple enough for install.sh to read). The previous value is put back when the
 * config stops using the relay (here, at start) and by `install.sh --uninstall`.
 *
 * Written through systemcalc's path, not the setting: systemcalc stores it in the setting,
 * but does not follow a setting changed behind its back (gui-v2 would not see it).
 */
import * as fs from 'node:fs';
import type { RemoteValues } from '../../src/venus/api';
import { writeFileAtomicSync } from '../../src/store/atomic';
import { SYSTEM_SERVICE } from './relay';

export function showUiPath(index: number): string {
  return `/SwitchableOutput/${index}/Settings/ShowUIControl`;
}

export function readSaved(file: string): Map<number, number> {
  const saved = new Map<number, number>();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return saved;
  }
  for (const line of text.split('\n')) {
    const m = /^(\d+) (-?\d+)$/.exec(line.trim());
    if (m) saved.set(Number(m[1]), Number(m[2]));
  }
  return saved;
}

function writeSaved(file: string, saved: Map<number, number>): void {
  if (saved.size === 0) {
    fs.rmSync(file, { force: true });
    return;
  }
  const lines = [...saved].sort(([a], [b]) => a - b).map(([i, v]) => `${i} ${v}\n`);
  writeFileAtomicSync(file, lines.join(''));
}

export interface RelayUiResult {
  hidden: number[];
  restored: number[];
  problems: string[];
}

/**
 * `owned`: systemcalc indices (relay N of the config = index N-1) of the relays we drive.
 * Never throws; a relay whose path does not exist (older Venus) is left alone.
 */
export async function hideOwnedRelays(
  remote: RemoteValues,
  file: string,
  owned: number[],
): Promise<RelayUiResult> {
  const out: RelayUiResult = { hidden: [], restored: [], problems: [] };
  const saved = readSaved(file);
  try {
    for (const [index, previous] of [...saved]) {
      if (owned.includes(index)) continue;
      if (await remote.setValue(SYSTEM_SERVICE, showUiPath(index), previous)) {
        saved.delete(index);
        writeSaved(file, saved);
        out.restored.push(index);
      } else {
        out.problems.push(`relay ${index + 1}: could not restore ShowUIControl = ${previous}`);
      }
    }
    for (const index of owned) {
      const current = await remote.getValue(SYSTEM_SERVICE, showUiPath(index));
      if (typeof current !== 'number') continue; // no Switches pane on this Venus
      if (current === 0) continue;
      // The previous value first, so a crash in between cannot lose it.
      if (!saved.has(index)) {
        saved.set(index, current);
        writeSaved(file, saved);
      }
      if (await remote.setValue(SYSTEM_SERVICE, showUiPath(index), 0)) out.hidden.push(index);
      else out.problems.push(`relay ${index + 1}: could not set ShowUIControl = 0`);
    }
  } catch (err) {
    out.problems.push(`relay UI controls: ${(err as Error).message}`);
  }
  return out;
}

/** What followOwnedRelays reports (a pino logger fits). */
export interface RelayUiLog {
  info(obj: object, msg: string): void;
  warn(msg: string): void;
}

/**
 * Hide the relays we own from the Switches pane (and give back the ones the config no longer
 * uses) each time systemcalc appears: at start, or later on a GX still booting. `owned`:
 * systemcalc indices. Returns the unsubscribe function.
 */
export function followOwnedRelays(
  remote: RemoteValues,
  file: string,
  owned: number[],
  log: RelayUiLog,
): () => void {
  const indices = [...new Set(owned)];
  let chain = Promise.resolve();
  let present = false;
  const run = (): void => {
    chain = chain.then(async () => {
      const r = await hideOwnedRelays(remote, file, indices);
      if (r.hidden.length + r.restored.length > 0) {
        log.info(
          { hidden: r.hidden.map((i) => i + 1), restored: r.restored.map((i) => i + 1) },
          'relay buttons in the Switches pane (ShowUIControl)',
        );
      }
      for (const p of r.problems) log.warn(p);
    });
  };
  // systemcalc's name appearing (present false → true) is the moment to (re)apply.
  return remote.watch(SYSTEM_SERVICE, showUiPath(indices[0] ?? 0), (u) => {
    if (u.present && !present) run();
    present = u.present;
  });
}
