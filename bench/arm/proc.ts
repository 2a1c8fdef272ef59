/**
 * Pure helpers of the ARM bench mode: /proc parsing, medians and ratios. No I/O here, so
 * test/bench/arm-proc.test.ts can check them without qemu.
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux x86 and ARM). */
export const USER_HZ = 100;

export interface StatFields {
  /** The command name (field 2), without its parentheses. */
  comm: string;
  /** Process state (field 3), e.g. "S". */
  state: string;
  /** User and system CPU time in clock ticks (fields 14 and 15); all threads included. */
  utimeTicks: number;
  stimeTicks: number;
  /** Number of threads (field 20). */
  threads: number;
}

/**
 * Parse /proc/<pid>/stat. The command name may hold spaces and parentheses, so the fields are
 * split after the LAST closing parenthesis (proc(5)). Throws on text that is not a stat line.
 */
export function parseStat(text: string): StatFields {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 60)}`);
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state): field N is rest[N - 3].
  if (rest.length < 18) throw new Error(`short /proc stat line (${rest.length + 2} fields)`);
  const num = (field: number): number => {
    const v = Number(rest[field - 3]);
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`bad stat field ${field}: ${rest[field - 3]}`);
    return v;
  };
  return {
    comm: text.slice(open + 1, close),
    state: rest[0],
    utimeTicks: num(14),
    stimeTicks: num(15),
    threads: num(20),
  };
}

/** utime + stime of a parsed stat line, in ms. */
export function cpuMsOf(s: StatFields, hz = USER_HZ): number {
  return ((s.utimeTicks + s.stimeTicks) * 1000) / hz;
}

/** VmRSS of /proc/<pid>/status in kB; throws when the line is missing (a zombie has none). */
export function parseVmRssKb(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error('no VmRSS line in /proc status');
  return Number(m[1]);
}

/** Median (mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** value / base, NaN when the base is not a positive number (a ratio to 0 means nothing). */
export function ratio(value: number, base: number): number {
  return base > 0 && Number.isFinite(value) ? value / base : NaN;
}

/** CPU share of one core over a window: CPU ms used / wall ms, in percent. */
export function cpuPercent(cpuMsBefore: number, cpuMsAfter: number, wallMs: number): number {
  if (!(wallMs > 0)) return NaN;
  return ((cpuMsAfter - cpuMsBefore) / wallMs) * 100;
}

/** "1.93×", "–" for NaN. */
export function fmtRatio(v: number, digits = 2): string {
  return Number.isFinite(v) ? `${v.toFixed(digits)}×` : '–';
}

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  /** The file or pseudo-name ("[heap]"), "" for anonymous memory. */
  name: string;
  rssKb: number;
}

/** Parse /proc/<pid>/smaps into its mappings with their Rss. */
export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | null = null;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s*(.*)$/.exec(line);
    if (head) {
      cur = {
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perms: head[3],
        name: head[4].trim(),
        rssKb: 0,
      };
      out.push(cur);
      continue;
    }
    const rss = /^Rss:\s+(\d+)\s+kB/.exec(line);
    if (rss && cur) cur.rssKb = Number(rss[1]);
  }
  return out;
}

const FOUR_GB = BigInt(2) ** BigInt(32);

/**
 * Split the RSS of a qemu-user process running a 32-bit guest into the guest's own memory
 * (every guest page lives in the 4 GB window qemu reserves for the guest address space) and
 * qemu's (its binary, its heap, the translated-code buffer, its threads). qemu puts that
 * window at host address 0 (guest_base 0) whenever it can: then the guest is everything below
 * 4 GB. Recognised by the guest's executable `guestExe` being mapped there; otherwise (another
 * guest_base) null: the split is unknown.
 */
export function splitGuestRss(
  maps: readonly Mapping[],
  guestExe: string,
): { guestKb: number; qemuKb: number } | null {
  const exe = maps.find((m) => m.name === guestExe);
  if (!exe || exe.end > FOUR_GB) return null;
  let guestKb = 0;
  let qemuKb = 0;
  for (const m of maps) {
    if (m.end <= FOUR_GB) guestKb += m.rssKb;
    else qemuKb += m.rssKb;
  }
  return { guestKb, qemuKb };
}
