/**
 * The simulated board changes a value the way sysfs does: all at once. Another process reads
 * the input file as fast as it can while this one flips it thousands of times; every read
 * must be "0\n" or "1\n", never empty or torn (the demo's poll once read an empty file and
 * went to FAULT).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SimBoard } from '../../service/hw/simboard';

const READER = `
const fs = require('fs');
const [file, stop] = process.argv.slice(1);
const bad = new Map();
let reads = 0;
process.stdout.write('ready\\n');
// Until the writer says it is done (a stop file), and at least 2000 reads: counts, not time,
// so a busy machine slows the test down instead of failing it.
while (reads < 2000 || reads % 100 !== 0 || !fs.existsSync(stop)) {
  let text;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { text = 'error ' + e.code; }
  reads++;
  if (text !== '0\\n' && text !== '1\\n') bad.set(text, (bad.get(text) || 0) + 1);
}
process.stdout.write(JSON.stringify({ reads, bad: [...bad] }) + '\\n');
`;

let root: string;
beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-simboard-'))));
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('a reader never sees an empty or partial value while inputs change', async () => {
  const board = SimBoard.create(root);
  const file = board.inputPath(1);
  const stop = path.join(root, 'stop');
  const reader = spawn(process.execPath, ['-e', READER, file, stop], { stdio: 'pipe' });
  let out = '';
  reader.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((r) => {
    const ready = (): void => (out.includes('ready') ? r() : undefined);
    reader.stdout.on('data', ready);
  });
  const done = new Promise<void>((r) => reader.once('exit', () => r()));
  let running = true;
  void done.then(() => (running = false));
  // At least 5000 changes and 1 s of them, then the reader is told to finish its reads.
  let writes = 0;
  const started = Date.now();
  while (running) {
    for (let i = 0; i < 200; i++) board.setInput(1, (writes++ % 2) as 0 | 1);
    if (writes >= 5000 && Date.now() - started >= 1000 && !fs.existsSync(stop)) {
      fs.writeFileSync(stop, '');
    }
    await new Promise((r) => setImmediate(r));
  }
  const result = JSON.parse(out.split('\n')[1]) as { reads: number; bad: [string, number][] };
  expect(writes).toBeGreaterThanOrEqual(5000);
  expect(result.reads).toBeGreaterThanOrEqual(2000);
  expect(result.bad).toEqual([]);
  // No temporary file is left beside the value.
  expect(fs.readdirSync(path.dirname(file))).toEqual(['value']);
  expect(reader.exitCode).toBe(0);
});

test('relay values and raw content are replaced atomically too', () => {
  const board = SimBoard.create(root, { relays: 2 });
  board.setRelay(2, 1);
  expect(board.readRelay(2)).toBe(1);
  board.writeInputRaw(3, 'garbage');
  expect(fs.readFileSync(board.inputPath(3), 'utf8')).toBe('garbage');
  expect(fs.readdirSync(path.join(root, 'relay_2'))).toEqual(['value']);
});
