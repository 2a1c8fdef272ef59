/**
 * Event times in the GX's own zone (local-time.ts), on a zone with a half-hour offset and
 * DST (America/St_Johns: NST -03:30, NDT -02:30), through Intl and through the fallback that
 * reads the TZif file (a Node without ICU), the POSIX rule of TZ and of the file's footer,
 * and UTC with a reason when nothing works.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatLocal,
  isoLocal,
  parsePosixTz,
  resolveZone,
  ZONEINFO_DIR,
} from '../../service/src/local-time';

const ST_JOHNS = join(ZONEINFO_DIR, 'America/St_Johns');
const at = (iso: string): number => Date.parse(iso);

// 2026: NDT from Sun 8 March 02:00 NST (05:30 UTC) to Sun 1 November 02:00 NDT (04:30 UTC).
const CASES: Array<[string, string]> = [
  ['2026-03-08T05:29:59Z', '2026-03-08 01:59:59 -03:30'],
  ['2026-03-08T05:30:00Z', '2026-03-08 03:00:00 -02:30'],
  ['2026-11-01T04:29:59Z', '2026-11-01 01:59:59 -02:30'],
  ['2026-11-01T04:30:00Z', '2026-11-01 01:00:00 -03:30'],
  ['2026-12-05T00:36:23.895Z', '2026-12-04 21:06:23 -03:30'],
  // After the file's last transition (2037): the footer's POSIX rule.
  ['2051-07-01T12:00:00Z', '2051-07-01 09:30:00 -02:30'],
  ['2051-12-01T12:00:00Z', '2051-12-01 08:30:00 -03:30'],
];

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smallbms-tz-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.each(CASES)('Intl: %s is %s in America/St_Johns', (utc, local) => {
  const zone = resolveZone('America/St_Johns');
  expect(zone.source).toBe('intl');
  expect(formatLocal(at(utc), zone)).toBe(local);
});

test.each(CASES)('fallback, the TZif file: %s is %s in America/St_Johns', (utc, local) => {
  // A zoneinfo folder of our own with the real file: proves the file is what is read.
  mkdirSync(join(dir, 'America'));
  copyFileSync(ST_JOHNS, join(dir, 'America/St_Johns'));
  const zone = resolveZone('America/St_Johns', { intl: false, zoneinfoDir: dir });
  expect(zone).toMatchObject({ source: 'tzif', problem: null });
  expect(formatLocal(at(utc), zone)).toBe(local);
});

test('Intl and the TZif fallback agree every 3 h 17 min over 1990-2060 for tricky zones', () => {
  let compared = 0;
  for (const name of [
    'America/St_Johns',
    'Europe/Amsterdam',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
  ]) {
    const intl = resolveZone(name);
    const file = resolveZone(name, { intl: false });
    expect([intl.source, file.source]).toEqual(['intl', 'tzif']);
    for (let t = at('1990-01-01T00:00:00Z'); t < at('2060-01-01T00:00:00Z'); t += 11_820_000) {
      if (intl.offsetMinutes(t) !== file.offsetMinutes(t)) {
        throw new Error(
          `${name} ${new Date(t).toISOString()}: ${intl.offsetMinutes(t)} vs ${file.offsetMinutes(t)}`,
        );
      }
      compared++;
    }
  }
  console.log(`local-time: ${compared} instants compared, Intl = TZif fallback`);
});

test('the setting as the console stores it: "/UTC", "UTC", empty → UTC', () => {
  for (const s of ['/UTC', 'UTC', 'Etc/UTC']) {
    expect(resolveZone(s)).toMatchObject({ name: 'UTC', source: 'utc', problem: null });
  }
  const none = resolveZone('', { tzEnv: undefined, localtimeFile: join(dir, 'none') });
  expect(none).toMatchObject({ name: 'UTC', problem: null });
  expect(formatLocal(at('2026-12-05T00:36:23Z'), none)).toBe('2026-12-05 00:36:23 +00:00');
});

test('an unknown zone (no Intl, no file) falls back to UTC and says why', () => {
  const zone = resolveZone('Mars/Olympus_Mons', { intl: false, zoneinfoDir: dir });
  expect(zone.source).toBe('utc');
  expect(zone.problem).toMatch(/^time zone "Mars\/Olympus_Mons" unknown .*times are shown in UTC$/);
  expect(resolveZone('../../etc/passwd').problem).toMatch(/is not a zone name/);
});

test('a file that is not TZif falls back to UTC', () => {
  mkdirSync(join(dir, 'Bad'));
  copyFileSync(__filename, join(dir, 'Bad/Zone'));
  expect(resolveZone('Bad/Zone', { intl: false, zoneinfoDir: dir }).problem).toMatch(
    /not a TZif file/,
  );
});

test('empty setting: TZ (a name or a POSIX rule), else /etc/localtime', () => {
  const rule = resolveZone('', { tzEnv: 'NST3:30NDT,M3.2.0,M11.1.0' });
  expect(rule.source).toBe('posix');
  expect(formatLocal(at('2026-03-08T05:30:00Z'), rule)).toBe('2026-03-08 03:00:00 -02:30');
  expect(formatLocal(at('2026-11-01T04:30:00Z'), rule)).toBe('2026-11-01 01:00:00 -03:30');
  expect(resolveZone('', { tzEnv: ':America/St_Johns' }).name).toBe('America/St_Johns');
  const local = resolveZone(undefined, { tzEnv: undefined, localtimeFile: ST_JOHNS });
  expect(local).toMatchObject({ name: 'localtime', source: 'tzif' });
  expect(formatLocal(at('2026-12-05T00:36:23Z'), local)).toBe('2026-12-04 21:06:23 -03:30');
});

test('POSIX rules: southern hemisphere, Jn days, fixed offsets, garbage', () => {
  // Australia/Sydney: AEST-10AEDT,M10.1.0,M4.1.0/3 (DST across the new year).
  const syd = parsePosixTz('AEST-10AEDT,M10.1.0,M4.1.0/3');
  expect(syd?.(at('2026-01-15T00:00:00Z'))).toBe(660);
  expect(syd?.(at('2026-06-15T00:00:00Z'))).toBe(600);
  expect(parsePosixTz('<+0530>-5:30')?.(0)).toBe(330);
  const j = parsePosixTz('XST5XDT,J60,J300');
  expect(j?.(at('2026-01-15T00:00:00Z'))).toBe(-300);
  expect(j?.(at('2026-06-15T00:00:00Z'))).toBe(-240);
  expect(parsePosixTz('not a rule')).toBeNull();
  expect(parsePosixTz('ABC5DEF,M13.9.9,M1.1.0')).toBeNull();
});

test('ISO with the offset for MQTT (the UTC wallTime stays as it is)', () => {
  const zone = resolveZone('America/St_Johns');
  expect(isoLocal(at('2026-12-05T00:36:23.895Z'), zone)).toBe('2026-12-04T21:06:23.895-03:30');
});

test('a Node without Intl (built --without-intl): the zone comes from the TZif file', () => {
  const g = globalThis as { Intl?: typeof Intl };
  const saved = g.Intl;
  delete g.Intl;
  try {
    const zone = resolveZone('America/St_Johns');
    expect(zone.source).toBe('tzif');
    expect(formatLocal(at('2026-12-05T00:36:23Z'), zone)).toBe('2026-12-04 21:06:23 -03:30');
  } finally {
    g.Intl = saved;
  }
});
