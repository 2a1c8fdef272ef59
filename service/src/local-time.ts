/**
 * Times for people, in the GX's own time zone. The GX's clock runs UTC; the zone people set in
 * the console is localsettings' `/Settings/System/TimeZone` (an Olson name such as
 * `Europe/Amsterdam`; UTC may be stored as `UTC` or `/UTC`).
 *
 * Node's time-zone support depends on how it was built: official builds carry full ICU, a
 * build `--without-intl` has no Intl at all, and a small-ICU or system-ICU build may lack the
 * zone. So the zone is resolved in this order: Intl (when it knows the zone), else the TZif
 * file of the zone under /usr/share/zoneinfo (with the POSIX rule of its footer for times
 * after its last transition), else UTC, said in the result. `TZ` (a zone name or a POSIX
 * rule) is used when the setting is empty or not there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ZONEINFO_DIR = '/usr/share/zoneinfo';

/** The GX's time zone in localsettings (an Olson name; venus.md). */
export const TIME_ZONE_SETTING = '/Settings/System/TimeZone';

/** A resolved zone: its UTC offset at an instant, and how it was resolved. */
export interface Zone {
  /** The name as set (or "UTC"). */
  readonly name: string;
  /** `intl`, `tzif` (the zoneinfo file), `posix` (a TZ rule), `utc` (asked, or fallen back). */
  readonly source: 'intl' | 'tzif' | 'posix' | 'utc';
  /** Why it fell back to UTC, when it did. */
  readonly problem: string | null;
  /** Minutes east of UTC at `ms` (epoch milliseconds). */
  offsetMinutes(ms: number): number;
}

export interface ZoneOptions {
  /** Where the TZif files are (tests). */
  zoneinfoDir?: string;
  /** false: do not use Intl (tests of the fallback; a Node without ICU). */
  intl?: boolean;
  /** The TZ environment variable, used when `name` is empty (default: process.env.TZ). */
  tzEnv?: string | undefined;
  /** The system's zone file, used when neither the setting nor TZ says (default /etc/localtime). */
  localtimeFile?: string;
}

const UTC_NAMES = new Set(['', 'UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'UCT', 'Zulu', 'Universal']);
const NAME = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;

function utcZone(name: string, problem: string | null): Zone {
  return { name, source: 'utc', problem, offsetMinutes: () => 0 };
}

/** The zone of the setting (or of TZ when the setting is empty). Never throws. */
export function resolveZone(setting: string | undefined | null, o: ZoneOptions = {}): Zone {
  let name = String(setting ?? '').trim();
  if (name.startsWith('/')) name = name.slice(1);
  const tzEnv = 'tzEnv' in o ? o.tzEnv : process.env.TZ;
  if (name === '' && tzEnv) {
    const env = tzEnv.startsWith(':') ? tzEnv.slice(1) : tzEnv;
    if (NAME.test(env)) name = env;
    else {
      const rule = parsePosixTz(env);
      if (rule) return { name: env, source: 'posix', problem: null, offsetMinutes: rule };
    }
  }
  if (name === '' && !tzEnv) {
    try {
      const offset = parseTzif(fs.readFileSync(o.localtimeFile ?? '/etc/localtime'));
      return { name: 'localtime', source: 'tzif', problem: null, offsetMinutes: offset };
    } catch {
      return utcZone('UTC', null);
    }
  }
  if (UTC_NAMES.has(name)) return utcZone('UTC', null);
  if (!NAME.test(name) || name.split('/').includes('..')) {
    return utcZone('UTC', `time zone "${name}" is not a zone name: times are shown in UTC`);
  }
  if (o.intl !== false) {
    const intl = intlZone(name);
    if (intl) return intl;
  }
  const file = path.join(o.zoneinfoDir ?? ZONEINFO_DIR, name);
  try {
    const offset = parseTzif(fs.readFileSync(file));
    return { name, source: 'tzif', problem: null, offsetMinutes: offset };
  } catch (err) {
    return utcZone(
      'UTC',
      `time zone "${name}" unknown to this Node and ${file} unreadable (${(err as Error).message}): times are shown in UTC`,
    );
  }
}

/** The zone through Intl, or null when this Node cannot (no Intl, or the zone unknown). */
function intlZone(name: string): Zone | null {
  if (typeof Intl === 'undefined' || typeof Intl.DateTimeFormat !== 'function') return null;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  const offsetMinutes = (ms: number): number => {
    const parts: Record<string, number> = {};
    for (const p of fmt.formatToParts(new Date(ms))) {
      if (p.type !== 'literal') parts[p.type] = Number(p.value);
    }
    const local = Date.UTC(
      parts.year,
      parts.month - 1,
      parts.day,
      parts.hour % 24,
      parts.minute,
      parts.second,
    );
    const whole = Math.floor(ms / 1000) * 1000;
    return Math.round((local - whole) / 60000);
  };
  try {
    if (!Number.isFinite(offsetMinutes(0))) return null;
  } catch {
    return null;
  }
  return { name, source: 'intl', problem: null, offsetMinutes };
}

/**
 * A TZif file (RFC 8536, versions 1 to 4) as an offset function. Uses the 64-bit data of
 * version 2+ and the footer's POSIX rule after the last transition.
 */
export function parseTzif(buf: Buffer): (ms: number) => number {
  const header = (at: number) => {
    if (buf.toString('latin1', at, at + 4) !== 'TZif') throw new Error('not a TZif file');
    const n = (i: number): number => buf.readUInt32BE(at + 20 + i * 4);
    return {
      version: buf[at + 4],
      isutcnt: n(0),
      isstdcnt: n(1),
      leapcnt: n(2),
      timecnt: n(3),
      typecnt: n(4),
      charcnt: n(5),
    };
  };
  const block = (h: ReturnType<typeof header>, timeSize: number): number =>
    h.timecnt * timeSize +
    h.timecnt +
    h.typecnt * 6 +
    h.charcnt +
    h.leapcnt * (timeSize + 4) +
    h.isstdcnt +
    h.isutcnt;
  let h = header(0);
  let at = 44;
  let timeSize = 4;
  if (h.version >= 0x32) {
    at = 44 + block(h, 4);
    h = header(at);
    at += 44;
    timeSize = 8;
  }
  if (h.typecnt === 0) throw new Error('TZif without local time types');
  const times: number[] = [];
  for (let i = 0; i < h.timecnt; i++) {
    const off = at + i * timeSize;
    times.push(timeSize === 8 ? Number(buf.readBigInt64BE(off)) : buf.readInt32BE(off));
  }
  const idxAt = at + h.timecnt * timeSize;
  const idx: number[] = [];
  for (let i = 0; i < h.timecnt; i++) idx.push(buf[idxAt + i]);
  const typesAt = idxAt + h.timecnt;
  const utoff: number[] = [];
  for (let i = 0; i < h.typecnt; i++) utoff.push(buf.readInt32BE(typesAt + i * 6));
  let footer: ((ms: number) => number) | null = null;
  if (timeSize === 8) {
    const end = at + block(h, 8);
    const text = buf.toString('latin1', end).split('\n')[1] ?? '';
    footer = text === '' ? null : parsePosixTz(text);
  }
  for (const i of idx) if (i >= h.typecnt) throw new Error('TZif type index out of range');
  return (ms: number): number => {
    const s = Math.floor(ms / 1000);
    if (times.length === 0) return footer ? footer(ms) : Math.round(utoff[0] / 60);
    if (s < times[0]) return Math.round(utoff[0] / 60);
    if (s >= times[times.length - 1] && footer) return footer(ms);
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= s) lo = mid;
      else hi = mid - 1;
    }
    return Math.round(utoff[idx[lo]] / 60);
  };
}

/** `[+-]hh[:mm[:ss]]` in seconds. */
function hms(text: string): number {
  const m = /^([+-]?)(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(text);
  if (!m) throw new Error(`bad time ${text}`);
  const v = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -v : v;
}

const DAY = 86400;

function daysFromCivil(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / 1000 / DAY);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** The day (days since the epoch) a POSIX rule date (`Mm.w.d`, `Jn`, `n`) falls on in year `y`. */
function ruleDay(rule: string, y: number): number {
  let m: RegExpExecArray | null;
  if ((m = /^M(\d{1,2})\.(\d)\.(\d)$/.exec(rule))) {
    const month = Number(m[1]);
    const week = Number(m[2]);
    const wday = Number(m[3]);
    if (month < 1 || month > 12 || week < 1 || week > 5 || wday > 6) {
      throw new Error(`bad rule date ${rule}`);
    }
    const first = daysFromCivil(y, month, 1);
    const firstWday = (((first + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    let day = 1 + ((wday - firstWday + 7) % 7) + (week - 1) * 7;
    const inMonth = new Date(Date.UTC(y, month, 0)).getUTCDate();
    while (day > inMonth) day -= 7;
    return first + day - 1;
  }
  if ((m = /^J(\d{1,3})$/.exec(rule))) {
    const n = Number(m[1]); // 1..365, Feb 29 never counted
    return daysFromCivil(y, 1, 1) + n - 1 + (isLeap(y) && n >= 60 ? 1 : 0);
  }
  if ((m = /^(\d{1,3})$/.exec(rule))) return daysFromCivil(y, 1, 1) + Number(m[1]);
  throw new Error(`bad rule date ${rule}`);
}

/**
 * A POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`, `<-0330>3:30<-0230>,M3.2.0,M11.1.0`) as an
 * offset function (minutes east of UTC); null when it cannot be read.
 */
export function parsePosixTz(text: string): ((ms: number) => number) | null {
  const m =
    /^(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,2}(?::\d{1,2}){0,2})(?:(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,2}(?::\d{1,2}){0,2})?(?:,([^,/]+)(?:\/([+-]?\d{1,3}(?::\d{1,2}){0,2}))?,([^,/]+)(?:\/([+-]?\d{1,3}(?::\d{1,2}){0,2}))?)?)?$/.exec(
      text.trim(),
    );
  if (!m) return null;
  try {
    const std = -hms(m[2]);
    if (!m[3]) return () => Math.round(std / 60);
    const dst = m[4] ? -hms(m[4]) : std + 3600;
    // Without a rule: the US rule of POSIX's default.
    const startRule = m[5] ?? 'M3.2.0';
    const endRule = m[7] ?? 'M11.1.0';
    const startTime = m[6] ? hms(m[6]) : 7200;
    const endTime = m[8] ? hms(m[8]) : 7200;
    ruleDay(startRule, 2000);
    ruleDay(endRule, 2000);
    return (ms: number): number => {
      const s = Math.floor(ms / 1000);
      const y = new Date((s + std) * 1000).getUTCFullYear();
      // Transition instants in UTC: the start in standard time, the end in daylight time.
      const start = ruleDay(startRule, y) * DAY + startTime - std;
      const end = ruleDay(endRule, y) * DAY + endTime - dst;
      const inDst = start < end ? s >= start && s < end : !(s >= end && s < start);
      return Math.round((inDst ? dst : std) / 60);
    };
  } catch {
    return null;
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `+01:00`, `-03:30`. */
export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** `2026-12-05 01:36:23 +01:00`: local wall time with its offset (unambiguous across DST). */
export function formatLocal(ms: number, zone: Zone): string {
  const off = zone.offsetMinutes(ms);
  const d = new Date(Math.floor(ms / 1000) * 1000 + off * 60000);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${date} ${time} ${offsetText(off)}`;
}

/** ISO 8601 with the zone's offset: `2026-12-05T01:36:23.895+01:00`. */
export function isoLocal(ms: number, zone: Zone): string {
  const off = zone.offsetMinutes(ms);
  const d = new Date(ms + off * 60000);
  return `${d.toISOString().slice(0, 23)}${offsetText(off)}`;
}
