/** MemoryStore: same boot restores monotonic off times; another boot keeps only the latch. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DEFAULT_PERSISTED_MEMORY,
  MemoryStore,
  readBootId,
} from '../../service/src/store/memory-store';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-memory-'));
  file = path.join(dir, 'data', 'state.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const memory = { socLatched: true, loadOffAt: 90_000, chargeOffAt: null };
const WALL = new Date('2026-11-23T03:12:04.000Z');

test('same boot: off times restored as monotonic values', async () => {
  const store = new MemoryStore({ file, bootId: () => 'boot-a' });
  expect(await store.save(memory, 100_000, WALL)).toBeNull();
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  expect(saved).toMatchObject({
    version: 1,
    bootId: 'boot-a',
    savedAtMono: 100_000,
    savedAtWall: '2026-11-23T03:12:04.000Z',
    loadOffAtWall: '2026-11-23T03:11:54.000Z',
    chargeOffAtWall: null,
  });
  const again = new MemoryStore({ file, bootId: () => 'boot-a' });
  expect(again.load(250_000)).toEqual({ memory, warning: null, sameBoot: true });
});

test('another boot: socLatched kept, off times null', async () => {
  await new MemoryStore({ file, bootId: () => 'boot-a' }).save(memory, 100_000, WALL);
  const after = new MemoryStore({ file, bootId: () => 'boot-b' }).load(5_000);
  expect(after).toEqual({
    memory: { socLatched: true, loadOffAt: null, chargeOffAt: null },
    warning: null,
    sameBoot: false,
  });
});

test('without boot ids, a clock that went backwards means a reboot', async () => {
  await new MemoryStore({ file, bootId: () => null }).save(memory, 100_000, WALL);
  expect(new MemoryStore({ file, bootId: () => null }).load(50_000).sameBoot).toBe(false);
  expect(new MemoryStore({ file, bootId: () => null }).load(150_000)).toMatchObject({
    sameBoot: true,
    memory,
  });
});

test('an off time in the future of the clock is capped at now', async () => {
  await new MemoryStore({ file, bootId: () => 'a' }).save(
    { ...memory, loadOffAt: 500_000 },
    100_000,
    WALL,
  );
  expect(new MemoryStore({ file, bootId: () => 'a' }).load(200_000).memory.loadOffAt).toBe(200_000);
});

test.each([
  ['garbage', 'not json {'],
  ['empty', ''],
  ['wrong shape', JSON.stringify({ version: 1, socLatched: 'yes' })],
  ['future version', JSON.stringify({ version: 2, socLatched: true })],
  ['null', 'null'],
])('corrupt file (%s): defaults and a warning, no throw', (_name, content) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  const r = new MemoryStore({ file, bootId: () => 'a' }).load(1000);
  expect(r.memory).toEqual(DEFAULT_PERSISTED_MEMORY);
  expect(r.warning).toContain('corrupt');
});

test('missing file: defaults and a first-start note', () => {
  const r = new MemoryStore({ file, bootId: () => 'a' }).load(1000);
  expect(r.memory).toEqual(DEFAULT_PERSISTED_MEMORY);
  expect(r.warning).toContain('first start');
});

test('saves run in call order; a failed save resolves to its error and keeps the old file', async () => {
  let fail = false;
  const store = new MemoryStore({
    file,
    bootId: () => 'a',
    writeAtomic: async (f, data) => {
      if (fail) throw new Error('ENOSPC');
      fs.writeFileSync(f, data);
    },
  });
  const results = await Promise.all([
    store.save({ ...memory, loadOffAt: 1 }, 10, WALL),
    store.save({ ...memory, loadOffAt: 2 }, 20, WALL),
  ]);
  expect(results).toEqual([null, null]);
  fail = true;
  const err = await store.save({ ...memory, loadOffAt: 3 }, 30, WALL);
  expect(err?.message).toBe('ENOSPC');
  expect(store.load(40).memory.loadOffAt).toBe(2);
});

test('saveSync for shutdown', () => {
  const store = new MemoryStore({ file, bootId: () => 'a' });
  expect(store.saveSync(memory, 100_000, WALL)).toBeNull();
  expect(store.load(100_001).memory).toEqual(memory);
  const blocked = new MemoryStore({
    file: path.join(dir, 'data', 'state.json', 'x'),
    bootId: () => 'a',
  });
  expect(blocked.saveSync(memory, 1)).toBeInstanceOf(Error);
});

test('readBootId reads the kernel boot id, or null', () => {
  const id = path.join(dir, 'boot_id');
  fs.writeFileSync(id, '3f2a-boot\n');
  expect(readBootId(id)).toBe('3f2a-boot');
  expect(readBootId(path.join(dir, 'missing'))).toBeNull();
});
