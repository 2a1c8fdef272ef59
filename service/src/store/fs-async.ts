/**
 * The few asynchronous file operations the service needs, on Node's callback API.
 *
 * `fs.promises` is a separate module inside Node (with its FileHandle class and readline),
 * loaded on first use: about 0.6 MB of RSS for a service that writes a few small files
 * (docs/performance.md). The callback API is loaded anyway. Same semantics as the
 * `fs.promises` calls they replace; errors are Node's own (code, syscall, path).
 */
import * as fs from 'fs';

const settle =
  <T>(resolve: (v: T) => void, reject: (e: Error) => void) =>
  (error: NodeJS.ErrnoException | null, value?: T): void => {
    if (error) reject(error);
    else resolve(value as T);
  };

export const open = (file: string, flags: string, mode?: number): Promise<number> =>
  new Promise((resolve, reject) => fs.open(file, flags, mode, settle(resolve, reject)));

export const close = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fs.close(fd, settle(resolve, reject)));

export const fsync = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fs.fsync(fd, settle(resolve, reject)));

export const fdatasync = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fs.fdatasync(fd, settle(resolve, reject)));

export const rename = (from: string, to: string): Promise<void> =>
  new Promise((resolve, reject) => fs.rename(from, to, settle(resolve, reject)));

export const unlink = (file: string): Promise<void> =>
  new Promise((resolve, reject) => fs.unlink(file, settle(resolve, reject)));

export const mkdirp = (dir: string): Promise<void> =>
  new Promise((resolve, reject) =>
    fs.mkdir(dir, { recursive: true }, (error) => (error ? reject(error) : resolve())),
  );

export const readText = (file: string): Promise<string> =>
  new Promise((resolve, reject) => fs.readFile(file, 'utf8', settle(resolve, reject)));

/** Write all of `data` at the file position (or the end, for O_APPEND), however many calls. */
export async function writeAll(fd: number, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.length) {
    const written = await new Promise<number>((resolve, reject) =>
      fs.write(fd, bytes, offset, bytes.length - offset, null, settle(resolve, reject)),
    );
    // A regular file never takes 0 bytes without an error; never loop on it.
    if (written <= 0) throw new Error(`write returned ${written} bytes`);
    offset += written;
  }
}
