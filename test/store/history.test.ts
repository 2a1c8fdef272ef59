/** EventHistory: survives truncation and damage, stays bounded, numbers monotonic, disk full. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EngineEvent } from '../../service/src/core/types';
import {
  EventHistory,
  nodeHistoryIo,
  readEventsFile,
  type HistoryIo,
} from '../../service/src/store/history';
import { parseEventLines } from '../../service/src/store/event-lines';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-history-'));
  file = path.join(dir, 'data', 'events.jsonl');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function event(t: number, to = 'PRE_ALARM'): EngineEvent {
  return {
    t,
    kind: 'state',
    name: 'state',
    from: 'NORMAL',
    to,
    reason: 'pre-alarm line asserted',
    lines: { dischargeAllowed: 'asserted', preAlarm: 'asserted' },
  };
}

const WALL = new Date('2026-11-23T03:12:04.000Z');

function fileLines(): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

test('append numbers events, keeps them in memory and on disk', async () => {
  const h = new EventHistory({ file, maxEvents: 100 });
  expect(await h.open()).toEqual({ events: 0, corruptedLines: 0, newerLines: 0, nextSeq: 1 });
  const out = h.append([event(1), event(2, 'NORMAL')], WALL);
  expect(out.map((e) => e.seq)).toEqual([1, 2]);
  expect(out[0].wallTime).toBe('2026-11-23T03:12:04.000Z');
  expect(h.append([{ ...event(3), wallTime: '2026-11-23T03:12:05.000Z' }], WALL)[0].wallTime).toBe(
    '2026-11-23T03:12:05.000Z',
  );
  expect(h.recent(2).map((e) => e.seq)).toEqual([2, 3]);
  expect(h.since(1).map((e) => e.seq)).toEqual([2, 3]);
  expect(h.append([], WALL)).toEqual([]);
  await h.flush();
  expect(fileLines().map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2, 3]);
  expect((await readEventsFile(file)).events).toEqual(h.recent(10));
  await h.close();
});

test('seq stays monotonic over reopen', async () => {
  const a = new EventHistory({ file, maxEvents: 100 });
  await a.open();
  a.append([event(1), event(2)], WALL);
  await a.close();
  const b = new EventHistory({ file, maxEvents: 100 });
  expect((await b.open()).nextSeq).toBe(3);
  expect(b.append([event(3)], WALL)[0].seq).toBe(3);
  await b.close();
});

test('a truncated last line (kill -9 mid-write) is skipped and the next append starts a fresh line', async () => {
  const a = new EventHistory({ file, maxEvents: 100 });
  await a.open();
  a.append([event(1), event(2)], WALL);
  await a.close();
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.slice(0, text.length - 20)); // cut inside line 2, no newline
  // Compaction fails here, so the fresh-line rule is what keeps the next event readable.
  const io: Partial<HistoryIo> = { writeAtomic: async () => Promise.reject(new Error('EROFS')) };
  const b = new EventHistory({ file, maxEvents: 100, io, onError: () => undefined });
  // seq 2 is lost but may have been published: it is not reused.
  expect(await b.open()).toEqual({ events: 1, corruptedLines: 1, newerLines: 0, nextSeq: 3 });
  b.append([event(3)], WALL);
  await b.close();
  const c = new EventHistory({ file, maxEvents: 100 });
  const report = await c.open();
  expect(c.recent(10).map((e) => e.seq)).toEqual([1, 3]);
  expect(report.corruptedLines).toBe(1);
});

test('corrupted lines (garbage, NUL padding, wrong shape, out of order) are skipped, counted and compacted away', async () => {
  const good = (seq: number): string =>
    JSON.stringify({ ...event(seq), seq, wallTime: WALL.toISOString() });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [good(1), 'not json', good(2), '{"seq": 3}', good(2), '\u0000\u0000\u0000', good(5), ''].join(
      '\n',
    ),
  );
  const h = new EventHistory({ file, maxEvents: 100 });
  expect(await h.open()).toEqual({ events: 3, corruptedLines: 4, newerLines: 0, nextSeq: 6 });
  expect(h.stats.corruptedLines).toBe(4);
  expect(fileLines()).toHaveLength(3); // rewritten without the damage
  await h.close();
});

test('entries of a later release (unknown kind, line status or field type) are skipped as newer, not corrupt, and kept in the file', async () => {
  const good = (seq: number): string =>
    JSON.stringify({ ...event(seq), seq, wallTime: WALL.toISOString() });
  const wall = WALL.toISOString();
  const later = [
    // a kind this release does not know, with a field it does not know
    JSON.stringify({
      seq: 2,
      t: 2,
      kind: 'balance',
      name: 'cell',
      from: 1,
      to: 2,
      reason: 'r',
      wallTime: wall,
      lines: {},
      cells: [3.3],
    }),
    // a known kind with a line status this release does not know
    JSON.stringify({ ...event(3), seq: 3, wallTime: wall, lines: { dischargeAllowed: 'stale' } }),
    // a known kind whose `to` became an object
    JSON.stringify({ ...event(4), seq: 4, wallTime: wall, to: { state: 'NORMAL' } }),
  ];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = [good(1), ...later, good(5), ''].join('\n');
  fs.writeFileSync(file, text);
  const h = new EventHistory({ file, maxEvents: 100 });
  expect(await h.open()).toEqual({ events: 2, corruptedLines: 0, newerLines: 3, nextSeq: 6 });
  expect(h.recent(10).map((e) => e.seq)).toEqual([1, 5]);
  // not rewritten: an update back to the later release finds its entries again
  expect(fs.readFileSync(file, 'utf8')).toBe(text);
  h.append([event(6)], WALL);
  await h.flush();
  expect(fileLines()).toHaveLength(6);
  expect((await readEventsFile(file)).newerLines).toBe(3);
  await h.close();
  // a damaged line among them is still corrupt (and then the file is compacted)
  fs.appendFileSync(file, '{"seq":7}\n');
  const again = new EventHistory({ file, maxEvents: 100 });
  expect(await again.open()).toMatchObject({ corruptedLines: 1, newerLines: 3, nextSeq: 8 });
  await again.close();
});

test('the bound is respected in memory and on disk', async () => {
  const h = new EventHistory({ file, maxEvents: 10 });
  await h.open();
  for (let i = 1; i <= 95; i++) {
    h.append([event(i)], WALL);
    if (i % 7 === 0) await h.flush();
  }
  await h.flush();
  expect(h.recent(1000).map((e) => e.seq)).toEqual([86, 87, 88, 89, 90, 91, 92, 93, 94, 95]);
  expect(fileLines().length).toBeLessThan(20); // compacted at 2 × maxEvents
  await h.close();
  const again = new EventHistory({ file, maxEvents: 10 });
  expect(await again.open()).toMatchObject({ events: 10, nextSeq: 96 });
  expect(fileLines()).toHaveLength(10);
  // A smaller bound on reopen trims at once.
  await again.close();
  const smaller = new EventHistory({ file, maxEvents: 3 });
  expect(await smaller.open()).toMatchObject({ events: 3, nextSeq: 96 });
  expect(fileLines()).toHaveLength(3);
});

test('disk full: events stay in memory, the error is reported once, a later retry saves them', async () => {
  let full = true;
  let attempts = 0;
  const io: Partial<HistoryIo> = {
    async appendDurable(f, data) {
      attempts++;
      if (full)
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return nodeHistoryIo.appendDurable(f, data);
    },
  };
  const errors: string[] = [];
  const h = new EventHistory({
    file,
    maxEvents: 100,
    io,
    retryMs: 20,
    onError: (e) => errors.push(e.message),
  });
  await h.open();
  expect(() => h.append([event(1)], WALL)).not.toThrow();
  await h.flush();
  h.append([event(2)], WALL);
  h.append([event(3)], WALL);
  await new Promise((r) => setTimeout(r, 70)); // a few retries while still full
  expect(errors).toEqual(['ENOSPC: no space left on device']);
  expect(h.stats).toMatchObject({ unsaved: 3, lastError: 'ENOSPC: no space left on device' });
  expect(h.recent(10).map((e) => e.seq)).toEqual([1, 2, 3]);
  expect(attempts).toBeGreaterThan(1);
  full = false;
  await new Promise((r) => setTimeout(r, 50));
  await h.flush();
  expect(h.stats).toMatchObject({ unsaved: 0, lastError: null });
  expect(fileLines().map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2, 3]);
  // A new failure is a new episode: reported again.
  full = true;
  h.append([event(4)], WALL);
  await h.flush();
  expect(errors).toHaveLength(2);
  await h.close();
});

test('unsaved events stay bounded while the disk stays full', async () => {
  const io: Partial<HistoryIo> = { appendDurable: async () => Promise.reject(new Error('EIO')) };
  const h = new EventHistory({
    file,
    maxEvents: 10,
    io,
    retryMs: 60_000,
    onError: () => undefined,
  });
  await h.open();
  for (let i = 1; i <= 50; i++) h.append([event(i)], WALL);
  await h.flush();
  expect(h.stats.unsaved).toBe(10);
  await h.close();
});

test('an unreadable file or a throwing callback never throws', async () => {
  const io: Partial<HistoryIo> = { readFile: async () => Promise.reject(new Error('EACCES')) };
  const h = new EventHistory({
    file,
    maxEvents: 10,
    io,
    onError: () => {
      throw new Error('bad callback');
    },
  });
  await expect(h.open()).resolves.toEqual({
    events: 0,
    corruptedLines: 0,
    newerLines: 0,
    nextSeq: 1,
  });
  expect(h.stats.lastError).toBe('EACCES');
  await h.close();
});

test('append cost: 1000 events appended one by one, each durable (measured)', async () => {
  const h = new EventHistory({ file, maxEvents: 1000 });
  await h.open();
  const start = process.hrtime.bigint();
  for (let i = 1; i <= 1000; i++) {
    h.append([event(i)], WALL);
    await h.flush(); // one fdatasync per event: the worst case
  }
  const durableMs = Number(process.hrtime.bigint() - start) / 1e6;
  const hot = process.hrtime.bigint();
  for (let i = 1; i <= 1000; i++) h.append([event(i)], WALL);
  const hotMs = Number(process.hrtime.bigint() - hot) / 1e6;
  await h.close();
  // Generous bounds: this documents the cost, it is not a benchmark gate.
  process.stdout.write(
    `history: 1000 durable appends ${durableMs.toFixed(0)} ms, 1000 hot-path appends ${hotMs.toFixed(1)} ms\n`,
  );
  expect(durableMs).toBeLessThan(20_000);
  expect(hotMs).toBeLessThan(1000);
  expect(fileLines().length).toBeLessThanOrEqual(2000);
});

test('a commissioning (`control`) event is read back, an unknown kind is skipped as newer', () => {
  const line = (seq: number, kind: string): string =>
    JSON.stringify({
      seq,
      t: seq,
      wallTime: '2026-11-29T10:00:00.000Z',
      kind,
      name: 'dryRun',
      from: false,
      to: true,
      reason: 'set by D-Bus /Bms/DryRun',
      lines: { dischargeAllowed: 'asserted' },
    });
  const parsed = parseEventLines([line(1, 'control'), line(2, 'bogus')].join('\n'));
  expect(parsed.events.map((e) => [e.seq, e.kind])).toEqual([[1, 'control']]);
  // an unknown kind is a later release's entry: skipped, not corrupt
  expect(parsed.corrupted).toBe(0);
  expect(parsed.newer).toBe(1);
});
