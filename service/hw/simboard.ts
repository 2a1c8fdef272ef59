import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let writes = 0;

/**
 * Replace a file's content the way a reader of sysfs sees it change: all at once. The new
 * content goes to a temporary file beside it, renamed over the old one, so a reader gets the
 * old or the new value, never an empty or half-written file (a truncate-then-write could be
 * read in between: real sysfs files never read empty).
 */
export function replaceFile(file: string, content: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${++writes}.tmp`);
  writeFileSync(temp, content);
  try {
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

export interface SimBoardOptions {
  digitalInputs?: number;
  relays?: number;
  /** Initial level of every input. Default 1: GX inputs are pulled up (open contact). */
  inputLevel?: 0 | 1;
}

/**
 * A real directory tree shaped like a GX's /dev/gpio: `digital_input_<N>/value` and
 * `relay_<N>/value`. The production gpio code reads and writes it unchanged, so tests and
 * `smallbms demo` exercise the real code path. Faults (broken wire, unreadable file,
 * garbage) are made with real file operations. Values change atomically, as in sysfs.
 */
export class SimBoard {
  readonly root: string;
  readonly digitalInputs: number;
  readonly relays: number;

  private constructor(root: string, options: SimBoardOptions) {
    this.root = root;
    this.digitalInputs = options.digitalInputs ?? 4;
    this.relays = options.relays ?? 2;
  }

  /** Create (or reset) the tree under `root`. */
  static create(root: string, options: SimBoardOptions = {}): SimBoard {
    const board = new SimBoard(root, options);
    mkdirSync(root, { recursive: true });
    for (let n = 1; n <= board.digitalInputs; n++) board.restoreInput(n, options.inputLevel ?? 1);
    for (let n = 1; n <= board.relays; n++) {
      mkdirSync(join(root, `relay_${n}`), { recursive: true });
      replaceFile(board.relayPath(n), '0\n');
    }
    return board;
  }

  inputPath(n: number): string {
    return join(this.root, `digital_input_${n}`, 'value');
  }

  relayPath(n: number): string {
    return join(this.root, `relay_${n}`, 'value');
  }

  /** Set an input level, as the kernel shows it (with a trailing newline). */
  setInput(n: number, level: 0 | 1): void {
    replaceFile(this.inputPath(n), `${level}\n`);
  }

  /** Put arbitrary content in an input's value file. */
  writeInputRaw(n: number, content: string): void {
    replaceFile(this.inputPath(n), content);
  }

  /** The relay level, or null when the file is missing or not 0/1. */
  readRelay(n: number): 0 | 1 | null {
    try {
      const text = readFileSync(this.relayPath(n), 'utf8').trim();
      return text === '1' ? 1 : text === '0' ? 0 : null;
    } catch {
      return null;
    }
  }

  /** What systemcalc would do on a /Relay/<n-1>/State write (demo's stand-in). */
  setRelay(n: number, level: 0 | 1): void {
    replaceFile(this.relayPath(n), `${level}\n`);
  }

  /** Broken export: the value file disappears. */
  removeInput(n: number): void {
    rmSync(this.inputPath(n), { recursive: true, force: true });
  }

  /** Put the value file back (after removeInput or makeUnreadable). */
  restoreInput(n: number, level: 0 | 1 = 1): void {
    rmSync(this.inputPath(n), { recursive: true, force: true });
    mkdirSync(join(this.root, `digital_input_${n}`), { recursive: true });
    this.setInput(n, level);
  }

  /**
   * Make reads fail with an error other than "missing". A directory in place of the file
   * (EISDIR) works even as root, where chmod 000 would not stop a read.
   */
  makeUnreadable(n: number): void {
    rmSync(this.inputPath(n), { recursive: true, force: true });
    mkdirSync(this.inputPath(n), { recursive: true });
  }

  /** Remove the whole tree. */
  destroy(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
