/** Small helpers of the bench: /proc readings, statistics, waiting. */
import * as fs from 'node:fs';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux x86 and ARM). */
export const USER_HZ = 100;

export interface ProcSample {
  /** utime + stime in ms. */
  cpuMs: number;
  /** Resident set size in kB (VmRSS). */
  rssKb: number;
}

export function procSample(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: split after the closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return { cpuMs, rssKb: m ? Number(m[1]) : NaN };
}

export interface Stats {
  n: number;
  median: number;
  p99: number;
  max: number;
  min: number;
  mean: number;
}

export function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { n, median: NaN, p99: NaN, max: NaN, min: NaN, mean: NaN };
  const at = (q: number): number => s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  return {
    n,
    median: n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2,
    p99: at(0.99),
    max: s[n - 1],
    min: s[0],
    mean: s.reduce((a, b) => a + b, 0) / n,
  };
}

export const round = (v: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** Poll `probe` every `everyMs` until it returns a non-null value; null on timeout. */
export async function until<T>(
  probe: () => T | null,
  timeoutMs: number,
  everyMs = 2,
): Promise<T | null> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (performance.now() > end) return null;
    await sleep(everyMs);
  }
}

/** A promise with its resolve function, for "wait until the hook fires". */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([p, sleep(ms).then(() => null)]);
}

/**
 * Where a process's resident memory is (/proc/<pid>/smaps_rollup), in kB: `file` is pages
 * of mapped files (node's own binary and libraries, shared with any other node process),
 * `anon` is the process's own memory (the V8 heap, malloc, stacks).
 */
export function rssParts(pid: number): { rssKb: number; fileKb: number; anonKb: number } {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const rssKb = kb('Rss');
  const anonKb = kb('Anonymous');
  return { rssKb, anonKb, fileKb: rssKb - anonKb };
}
