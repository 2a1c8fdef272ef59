/**
 * Atomic file replacement for /data: after a crash or power cut the file holds either the
 * old content or the new, never a mix. Write a temp file in the same directory (rename is
 * only atomic within one file system), fsync it (else the rename may reach the disk before
 * the data), rename over the target, then fsync the directory (else the rename itself may
 * be lost). On any error the temp file is removed and the error goes to the caller.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fsa from './fs-async';

/** The file operations used, injectable so tests can make any step fail. */
export interface AtomicIo {
  /** Create `file` (must not exist), write `data`, fsync, close. */
  writeDurable(file: string, data: string | Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  syncDir(dir: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

/** Errors of directory fsync that mean "not supported here", not "failed". */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP']);

export const nodeAtomicIo: AtomicIo = {
  async writeDurable(file, data) {
    const fd = await fsa.open(file, 'wx', 0o644);
    try {
      await fsa.writeAll(fd, data);
      await fsa.fsync(fd);
    } finally {
      await fsa.close(fd);
    }
  },
  rename: (from, to) => fsa.rename(from, to),
  async syncDir(dir) {
    let fd: number | undefined;
    try {
      fd = await fsa.open(dir, 'r');
      await fsa.fsync(fd);
    } catch (error) {
      if (!DIR_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      if (fd !== undefined) await fsa.close(fd);
    }
  },
  unlink: (file) => fsa.unlink(file),
};

let counter = 0;

/** A temp name next to `file`, unique per process and call (several writers may race). */
export function tempNameFor(file: string): string {
  counter = (counter + 1) % 1e9;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter}.tmp`);
}

export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  io: AtomicIo = nodeAtomicIo,
): Promise<void> {
  const temp = tempNameFor(file);
  try {
    await io.writeDurable(temp, data);
    await io.rename(temp, file);
  } catch (error) {
    await io.unlink(temp).catch(() => undefined);
    throw error;
  }
  await io.syncDir(path.dirname(file));
}

/**
 * The same, synchronously: for the last save on shutdown (SIGTERM), where the process may
 * exit before a promise settles.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const temp = tempNameFor(file);
  try {
    const fd = fs.openSync(temp, 'wx', 0o644);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    try {
      fs.unlinkSync(temp);
    } catch {
      // Nothing was created, or it is already gone.
    }
    throw error;
  }
  try {
    const dirFd = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch (error) {
    if (!DIR_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
}
