/**
 * Samples value files (relays, gpio targets) every `everyMs` in a child process of its own,
 * so the sampling is not held up by the test's or the bench's own work (spawning, D-Bus).
 * Counts the samples that read "0" (or cannot be read) per file, and the longest gap between
 * two samples, so a result can show it really sampled at the rate it claims.
 */
import { spawn } from 'node:child_process';

export interface FileSamples {
  n: number;
  /** Off (or unreadable) samples per name. */
  off: Record<string, number>;
  /** Per name: the longest run of consecutive off samples, in ms (first to last + 1 period). */
  offMs: Record<string, number>;
  maxGapMs: number;
  /** Gaps between samples longer than 5 ms. */
  slowGaps: number;
}

const CODE = `
const fs = require('fs');
const files = JSON.parse(process.argv[1]);
const every = Number(process.argv[2]);
const r = { n: 0, off: {}, offMs: {}, maxGapMs: 0, slowGaps: 0 };
const since = {};
let last = 0;
let running = true;
function tick() {
  if (!running) return;
  const now = performance.now();
  if (last) {
    const gap = now - last;
    if (gap > r.maxGapMs) r.maxGapMs = gap;
    if (gap > 5) r.slowGaps++;
  }
  last = now;
  r.n++;
  for (const [name, file] of Object.entries(files)) {
    let off = true;
    try { off = fs.readFileSync(file, 'utf8').trim() === '0'; } catch {}
    if (off) {
      r.off[name] = (r.off[name] || 0) + 1;
      if (since[name] === undefined) since[name] = now;
      r.offMs[name] = Math.max(r.offMs[name] || 0, now - since[name] + every);
    } else {
      since[name] = undefined;
    }
  }
  setTimeout(tick, every);
}
process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  running = false;
  process.stdout.write(JSON.stringify(r));
});
process.stdout.write('ready\\n');
tick();
`;

export async function startFileSampler(
  files: Record<string, string>,
  everyMs = 2,
): Promise<{ stop(): Promise<FileSamples> }> {
  const child = spawn(process.execPath, ['-e', CODE, JSON.stringify(files), String(everyMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    child.once('error', reject);
  });
  return {
    stop: () =>
      new Promise<FileSamples>((resolve, reject) => {
        child.once('close', () => {
          try {
            const r = JSON.parse(out.slice('ready\n'.length)) as FileSamples;
            r.maxGapMs = Math.round(r.maxGapMs * 10) / 10;
            for (const k of Object.keys(r.offMs)) r.offMs[k] = Math.round(r.offMs[k]);
            resolve(r);
          } catch (err) {
            reject(err as Error);
          }
        });
        child.stdin.end();
      }),
  };
}
