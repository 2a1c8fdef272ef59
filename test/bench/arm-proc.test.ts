/**
 * The pure helpers of the ARM bench mode (bench/arm/proc.ts). Nothing here starts qemu: the
 * ARM bench itself is opt-in (`npm run bench:arm`) and never part of `npm test` or CI.
 */
import * as fs from 'fs';
import {
  cpuMsOf,
  cpuPercent,
  fmtRatio,
  median,
  parseSmaps,
  parseStat,
  parseVmRssKb,
  ratio,
  splitGuestRss,
} from '../../bench/arm/proc';

/** A stat line with the given command name; utime 250, stime 50 ticks, 5 threads. */
function statLine(comm: string): string {
  const after = [
    'S', // 3 state
    '1', // 4 ppid
    '100', // 5 pgrp
    '100', // 6 session
    '0', // 7 tty_nr
    '-1', // 8 tpgid
    '4194304', // 9 flags
    '1000', // 10 minflt
    '0', // 11 cminflt
    '2', // 12 majflt
    '0', // 13 cmajflt
    '250', // 14 utime
    '50', // 15 stime
    '7', // 16 cutime
    '3', // 17 cstime
    '20', // 18 priority
    '0', // 19 nice
    '5', // 20 num_threads
    '0', // 21 itrealvalue
    '43582', // 22 starttime
    '3133440', // 23 vsize
  ];
  return `4242 (${comm}) ${after.join(' ')}\n`;
}

describe('parseStat', () => {
  test('reads state, utime, stime and threads by field number', () => {
    const s = parseStat(statLine('qemu-arm-static'));
    expect(s).toEqual({
      comm: 'qemu-arm-static',
      state: 'S',
      utimeTicks: 250,
      stimeTicks: 50,
      threads: 5,
    });
    // Children's times (cutime, cstime) are not counted.
    expect(cpuMsOf(s)).toBe(3000);
    expect(cpuMsOf(s, 1000)).toBe(300);
  });

  test('a command name with spaces and parentheses does not shift the fields', () => {
    const s = parseStat(statLine('node (arm) x) y'));
    expect(s.comm).toBe('node (arm) x) y');
    expect(s.utimeTicks).toBe(250);
    expect(s.threads).toBe(5);
  });

  test('the live /proc/self/stat of this process parses', () => {
    const s = parseStat(fs.readFileSync(`/proc/${process.pid}/stat`, 'utf8'));
    expect(s.threads).toBeGreaterThanOrEqual(1);
    // jest has used CPU by now: at least one tick.
    expect(s.utimeTicks + s.stimeTicks).toBeGreaterThan(0);
  });

  test('text that is not a stat line is refused', () => {
    expect(() => parseStat('')).toThrow(/not a \/proc stat line/);
    expect(() => parseStat('12 (x) S 1 2 3')).toThrow(/short/);
    expect(() => parseStat(statLine('x').replace(' 250 ', ' -5 '))).toThrow(/field 14/);
  });
});

describe('parseVmRssKb', () => {
  test('finds VmRSS among the other Vm lines', () => {
    const status = 'Name:\tnode\nVmPeak:\t  999 kB\nVmRSS:\t   91552 kB\nRssAnon:\t 40 kB\n';
    expect(parseVmRssKb(status)).toBe(91552);
  });
  test('the live status of this process has one', () => {
    expect(parseVmRssKb(fs.readFileSync('/proc/self/status', 'utf8'))).toBeGreaterThan(1000);
  });
  test('a status without VmRSS (a zombie) is an error, not 0', () => {
    expect(() => parseVmRssKb('Name:\tnode\nState:\tZ (zombie)\n')).toThrow(/no VmRSS/);
  });
});

describe('median, ratio, cpuPercent', () => {
  test('median of odd and even counts, unsorted input left alone', () => {
    const v = [5, 1, 3];
    expect(median(v)).toBe(3);
    expect(v).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  test('median skips NaN (a run that did not reach a mark) and is NaN for nothing', () => {
    expect(median([NaN, 2, 4])).toBe(3);
    expect(median([])).toBeNaN();
    expect(median([NaN])).toBeNaN();
  });
  test('ratio to a zero or missing base is NaN, shown as a dash', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(NaN, 2)).toBeNaN();
    expect(fmtRatio(ratio(3, 0))).toBe('–');
    expect(fmtRatio(1.456)).toBe('1.46×');
    expect(fmtRatio(27.04, 1)).toBe('27.0×');
  });
  test('cpuPercent is CPU ms over wall ms', () => {
    expect(cpuPercent(1000, 1600, 60000)).toBe(1);
    expect(cpuPercent(0, 10, 0)).toBeNaN();
  });
});

describe('parseSmaps, splitGuestRss', () => {
  const smaps = (rows: [string, string, string, number][]): string =>
    rows
      .map(
        ([range, perms, name, rss]) =>
          `${range} ${perms} 00000000 00:00 0          ${name}\nSize:  4 kB\nRss:  ${rss} kB\nPss:  1 kB\n`,
      )
      .join('');
  const text = smaps([
    ['00001000-2dd41000', '---p', '', 0],
    ['3d35c000-3f75e000', 'r--p', '/root/usr/lib/arm-linux-gnueabihf/libnode.so.108', 21244],
    ['40001000-40002000', 'r--p', '/root/usr/bin/node', 4],
    ['40004000-402df000', 'rw-p', '', 2764],
    ['555559118000-555559e7b000', 'rw-p', '[heap]', 13428],
    ['7f75ec000000-7f75f3fff000', 'rwxp', '', 24576],
    ['ffffffffff600000-ffffffffff601000', '--xp', '[vsyscall]', 0],
  ]);

  test('reads ranges beyond 2^53, names and Rss', () => {
    const maps = parseSmaps(text);
    expect(maps).toHaveLength(7);
    expect(maps[1]).toEqual({
      start: BigInt('0x3d35c000'),
      end: BigInt('0x3f75e000'),
      perms: 'r--p',
      name: '/root/usr/lib/arm-linux-gnueabihf/libnode.so.108',
      rssKb: 21244,
    });
    expect(maps[6].start).toBe(BigInt('0xffffffffff600000'));
    expect(maps[3].name).toBe('');
  });

  test('guest = below 4 GB when the guest executable is mapped there; qemu = the rest', () => {
    expect(splitGuestRss(parseSmaps(text), '/root/usr/bin/node')).toEqual({
      guestKb: 21244 + 4 + 2764,
      qemuKb: 13428 + 24576,
    });
  });

  test('unknown split when the guest is not at guest_base 0, or not found', () => {
    const high = text.replace('40001000-40002000', '140001000-140002000');
    expect(splitGuestRss(parseSmaps(high), '/root/usr/bin/node')).toBeNull();
    expect(splitGuestRss(parseSmaps(text), '/other/node')).toBeNull();
  });

  test('the live smaps of this process parse, and their Rss adds up to about VmRSS', () => {
    const maps = parseSmaps(fs.readFileSync('/proc/self/smaps', 'utf8'));
    const sum = maps.reduce((a, m) => a + m.rssKb, 0);
    const vm = parseVmRssKb(fs.readFileSync('/proc/self/status', 'utf8'));
    expect(maps.length).toBeGreaterThan(10);
    expect(Math.abs(sum - vm) / vm).toBeLessThan(0.1);
  });
});
