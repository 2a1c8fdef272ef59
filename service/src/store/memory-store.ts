/**
 * What the engine must not forget over a restart (behaviour.md rule 10), kept atomically in
 * `<dataDir>/state.json`: the discharge-floor latch and when the load and charge outputs
 * last went off (for the minimum off time).
 *
 * Off times are monotonic ms of the shell's clock (CLOCK_MONOTONIC, time since boot). Within
 * one boot they stay valid across a service restart, so they are restored as they are. After
 * a reboot that clock restarted: the outputs were off (de-energised) for the whole reboot, so
 * the minimum off time has certainly run and the off times become null. The boot id tells the
 * two apart; wall times are stored as well, for people reading the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { PersistedMemory } from '../core/types';
import { writeFileAtomic, writeFileAtomicSync } from './atomic';

export const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

export const DEFAULT_PERSISTED_MEMORY: Readonly<PersistedMemory> = Object.freeze({
  socLatched: false,
  loadOffAt: null,
  chargeOffAt: null,
});

/** The file's content (version 1). */
export interface StoredMemory {
  version: 1;
  bootId: string | null;
  /** Monotonic ms and wall time of the save. */
  savedAtMono: number;
  savedAtWall: string;
  socLatched: boolean;
  loadOffAt: number | null;
  chargeOffAt: number | null;
  /** The same instants in wall time (informational). */
  loadOffAtWall: string | null;
  chargeOffAtWall: string | null;
}

/** This boot's id, or null where the kernel does not provide one. */
export function readBootId(file: string = BOOT_ID_FILE): string | null {
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    return id.length > 0 ? id : null;
  } catch {
    return null;
  }
}

let cachedBootId: string | null = null;

/**
 * This boot's id, read once: it cannot change while the process runs, and the engine saves
 * its memory in the middle of a reaction (before the outputs are written), where a file read
 * per save is time the relays wait for. Read again only while it could not be read.
 */
export function currentBootId(): string | null {
  if (cachedBootId === null) cachedBootId = readBootId();
  return cachedBootId;
}

export interface MemoryStoreOptions {
  /** Usually `<dataDir>/state.json`. */
  file: string;
  /** Injectable for tests; default reads /proc/sys/kernel/random/boot_id. */
  bootId?: () => string | null;
  /** Injectable for tests; default is the atomic temp+fsync+rename write. */
  writeAtomic?: (file: string, data: string) => Promise<void>;
}

export interface LoadedMemory {
  memory: PersistedMemory;
  /** Why the defaults or a partial restore were used; null when all was restored. */
  warning: string | null;
  /** Whether the saved off times were taken as this boot's (restored as they are). */
  sameBoot: boolean;
}

function isTime(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isFinite(v));
}

function parseStored(text: string): StoredMemory | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const s = v as Record<string, unknown>;
  const ok =
    s.version === 1 &&
    typeof s.socLatched === 'boolean' &&
    isTime(s.loadOffAt) &&
    isTime(s.chargeOffAt) &&
    typeof s.savedAtMono === 'number' &&
    Number.isFinite(s.savedAtMono) &&
    (s.bootId === null || typeof s.bootId === 'string');
  return ok ? (s as unknown as StoredMemory) : null;
}

export class MemoryStore {
  private readonly bootId: () => string | null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: MemoryStoreOptions) {
    this.bootId = options.bootId ?? currentBootId;
  }

  /** Read the saved memory at start (`nowMono` = the shell's clock). Never throws. */
  load(nowMono: number): LoadedMemory {
    const defaults = { ...DEFAULT_PERSISTED_MEMORY };
    let text: string;
    try {
      text = fs.readFileSync(this.options.file, 'utf8');
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const why = missing
        ? 'no saved engine memory (first start)'
        : `cannot read ${this.options.file}`;
      return { memory: defaults, warning: `${why}: starting with defaults`, sameBoot: false };
    }
    const stored = parseStored(text);
    if (!stored) {
      return {
        memory: defaults,
        warning: `${this.options.file} is corrupt: starting with defaults (the discharge-floor latch is lost)`,
        sameBoot: false,
      };
    }
    const now = this.bootId();
    // Without boot ids on both sides, a clock that went backwards proves a reboot; otherwise
    // assume the same boot, which at worst makes an output wait its minimum off time again.
    const sameBoot =
      now !== null && stored.bootId !== null
        ? now === stored.bootId
        : nowMono >= stored.savedAtMono;
    if (!sameBoot) {
      return {
        memory: { socLatched: stored.socLatched, loadOffAt: null, chargeOffAt: null },
        warning: null,
        sameBoot: false,
      };
    }
    // A saved time in the future of this clock cannot be; cap it at now (the safe side).
    const cap = (t: number | null): number | null => (t === null ? null : Math.min(t, nowMono));
    return {
      memory: {
        socLatched: stored.socLatched,
        loadOffAt: cap(stored.loadOffAt),
        chargeOffAt: cap(stored.chargeOffAt),
      },
      warning: null,
      sameBoot: true,
    };
  }

  private serialize(memory: PersistedMemory, nowMono: number, wallNow: Date): string {
    const wall = (t: number | null): string | null =>
      t === null ? null : new Date(wallNow.getTime() - (nowMono - t)).toISOString();
    const stored: StoredMemory = {
      version: 1,
      bootId: this.bootId(),
      savedAtMono: nowMono,
      savedAtWall: wallNow.toISOString(),
      socLatched: memory.socLatched,
      loadOffAt: memory.loadOffAt,
      chargeOffAt: memory.chargeOffAt,
      loadOffAtWall: wall(memory.loadOffAt),
      chargeOffAtWall: wall(memory.chargeOffAt),
    };
    return `${JSON.stringify(stored, null, 2)}\n`;
  }

  /**
   * Save atomically; saves run one after another in call order, so the file ends with the
   * last one. Resolves to the error instead of rejecting: the caller logs it and goes on.
   */
  save(
    memory: PersistedMemory,
    nowMono: number,
    wallNow: Date = new Date(),
  ): Promise<Error | null> {
    const data = this.serialize(memory, nowMono, wallNow);
    const write = this.options.writeAtomic ?? writeFileAtomic;
    const dir = path.dirname(this.options.file);
    const result = this.chain.then(() =>
      fs.promises
        .mkdir(dir, { recursive: true })
        .then(() => write(this.options.file, data))
        .then(
          () => null,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        ),
    );
    this.chain = result;
    return result;
  }

  /** The last save on shutdown (SIGTERM): synchronous, so it completes before exit. */
  saveSync(memory: PersistedMemory, nowMono: number, wallNow: Date = new Date()): Error | null {
    try {
      fs.mkdirSync(path.dirname(this.options.file), { recursive: true });
      writeFileAtomicSync(this.options.file, this.serialize(memory, nowMono, wallNow));
      return null;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}
