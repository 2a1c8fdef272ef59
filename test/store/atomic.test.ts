/** writeFileAtomic: the old content survives any failed step; no temp file is left behind. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  nodeAtomicIo,
  writeFileAtomic,
  writeFileAtomicSync,
  type AtomicIo,
} from '../../service/src/store/atomic';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-atomic-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

test('writes and replaces content', async () => {
  const file = path.join(dir, 'state.json');
  await writeFileAtomic(file, 'one');
  await writeFileAtomic(file, 'two');
  expect(fs.readFileSync(file, 'utf8')).toBe('two');
  expect(fs.readdirSync(dir)).toEqual(['state.json']);
});

test('a failed rename leaves the old content and no temp file', async () => {
  const file = path.join(dir, 'state.json');
  fs.writeFileSync(file, 'old');
  const io: AtomicIo = { ...nodeAtomicIo, rename: async () => Promise.reject(errno('EXDEV')) };
  await expect(writeFileAtomic(file, 'new', io)).rejects.toThrow('EXDEV');
  expect(fs.readFileSync(file, 'utf8')).toBe('old');
  expect(fs.readdirSync(dir)).toEqual(['state.json']);
});

test('a full disk while writing leaves the old content and no partial file', async () => {
  const file = path.join(dir, 'state.json');
  fs.writeFileSync(file, 'old');
  const io: AtomicIo = {
    ...nodeAtomicIo,
    async writeDurable(temp, data) {
      // Half the data reaches the disk, then ENOSPC.
      fs.writeFileSync(temp, String(data).slice(0, 2));
      throw errno('ENOSPC');
    },
  };
  await expect(writeFileAtomic(file, 'new content', io)).rejects.toMatchObject({ code: 'ENOSPC' });
  expect(fs.readFileSync(file, 'utf8')).toBe('old');
  expect(fs.readdirSync(dir)).toEqual(['state.json']);
});

test("a missing directory is the caller's error", async () => {
  await expect(writeFileAtomic(path.join(dir, 'no', 'x.json'), 'x')).rejects.toMatchObject({
    code: 'ENOENT',
  });
});

test('sync variant: writes, and on failure keeps the old content', () => {
  const file = path.join(dir, 'state.json');
  writeFileAtomicSync(file, 'one');
  expect(fs.readFileSync(file, 'utf8')).toBe('one');
  // Renaming a file over a directory fails: the directory must stay as it is.
  const asDir = path.join(dir, 'sub');
  fs.mkdirSync(asDir);
  fs.writeFileSync(path.join(asDir, 'keep'), 'k');
  expect(() => writeFileAtomicSync(asDir, 'x')).toThrow();
  expect(fs.readdirSync(dir).sort()).toEqual(['state.json', 'sub']);
});
