/**
 * The CLI's rough edges, each closed: the events list says "state" once, help names every
 * option, an unknown option is refused by every command before it does anything, and
 * dbus-daemon is found on PATH with a clear message when it is missing.
 * (`dry-run` against the real service: test/e2e/lines.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBundle } from '../../scripts/bundle.js';
import { COMMANDS, main, usage } from '../../service/src/cli/main';
import { findDbusDaemon, startDbusDaemon } from '../../service/src/sim/dbus-daemon';
import { DummyService } from '../../service/src/sim/dummy-service';
import type { HistoryEvent } from '../../service/src/status';
import { Recorder } from '../config/helpers';
import { usePrivateBus } from '../helpers/dbus';
import { serviceNode } from '../helpers/runtime';

let dir: string;
const savedEnv = { TZ: process.env.TZ, bus: process.env.DBUS_SYSTEM_BUS_ADDRESS };
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-cli-'));
  // No GX here: `events` falls back to TZ for the local time (the bus does not answer).
  process.env.TZ = 'America/St_Johns';
  process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${path.join(dir, 'no-bus')}`;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [k, v] of [
    ['TZ', savedEnv.TZ],
    ['DBUS_SYSTEM_BUS_ADDRESS', savedEnv.bus],
  ]) {
    if (v === undefined) delete process.env[k as string];
    else process.env[k as string] = v;
  }
});

const lines = { dischargeAllowed: 'asserted' } as HistoryEvent['lines'];
const event = (seq: number, e: Partial<HistoryEvent>): HistoryEvent =>
  ({
    seq,
    t: seq * 1000,
    wallTime: `2026-11-29T10:00:0${seq}.000Z`,
    reason: 'why',
    lines,
    ...e,
  }) as HistoryEvent;

test('events: in the local time zone and plain words ("Remote off → Normal", "Load output OFF", "Low SoC: warning"); -n N keeps the last N', async () => {
  const history = [
    event(1, { kind: 'state', name: 'state', from: 'REMOTE_OFF', to: 'NORMAL' }),
    event(2, { kind: 'output', name: 'load', from: true, to: false }),
    event(3, { kind: 'alarm', name: 'lowSoc', from: 0, to: 1 }),
  ];
  fs.writeFileSync(
    path.join(dir, 'events.jsonl'),
    history.map((e) => JSON.stringify(e)).join('\n') + '\n',
  );
  const io = new Recorder();
  expect(await main(['events', '--data-dir', dir], io)).toBe(0);
  expect(io.out).toEqual([
    '2026-11-29 06:30:01 -03:30 Remote off → Normal: why',
    '2026-11-29 06:30:02 -03:30 Load output OFF: why',
    '2026-11-29 06:30:03 -03:30 Low SoC: warning (why)',
  ]);
  const last = new Recorder();
  expect(await main(['events', '--data-dir', dir, '-n', '1'], last)).toBe(0);
  expect(last.out).toEqual(['2026-11-29 06:30:03 -03:30 Low SoC: warning (why)']);
});

test('--help lists every command with its options, events -n N and dry-run included', async () => {
  const io = new Recorder();
  expect(await main(['--help'], io)).toBe(0);
  expect(io.stdout).toBe(usage());
  expect(io.stdout).toContain('smallbms events [--json] [--follow] [-n N]');
  expect(io.stdout).toContain('smallbms dry-run [on|off]');
  for (const [name, c] of Object.entries(COMMANDS)) {
    const one = new Recorder();
    expect(await main([name, '--help'], one)).toBe(0);
    expect(one.out[0]).toBe(`usage: smallbms ${c.usage}`);
  }
});

test.each(Object.keys(COMMANDS))(
  '%s --bogus is refused with exit 2, before the command runs',
  async (name) => {
    const io = new Recorder();
    expect(await main([name, '--bogus'], io)).toBe(2);
    expect(io.err).toEqual([
      `smallbms ${name}: unknown option --bogus`,
      `usage: smallbms ${COMMANDS[name].usage}`,
    ]);
    expect(io.stdout).toBe('');
  },
);

test('a missing value, a stray word and --opt=value', async () => {
  const missing = new Recorder();
  expect(await main(['events', '-n'], missing)).toBe(2);
  expect(missing.err[0]).toBe('smallbms events: -n needs a value');
  const stray = new Recorder();
  expect(await main(['status', 'now'], stray)).toBe(2);
  expect(stray.err[0]).toBe('smallbms status: unexpected argument "now"');
  const extra = new Recorder();
  expect(await main(['dry-run', 'on', 'off'], extra)).toBe(2);
  fs.writeFileSync(path.join(dir, 'events.jsonl'), '');
  expect(await main(['events', `--data-dir=${dir}`], new Recorder())).toBe(0);
});

test('the real launcher: status --bogus exits 2 with the reason on stderr', () => {
  const run = spawnSync(serviceNode(), [ensureBundle(), 'status', '--bogus'], {
    encoding: 'utf8',
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('smallbms status: unknown option --bogus');
  expect(run.stdout).toBe('');
});

test('dbus-daemon is looked up on PATH; missing, it says what to install', async () => {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  expect(findDbusDaemon(bin)).toBeNull();
  fs.writeFileSync(path.join(bin, 'dbus-daemon'), '#!/bin/sh\n', { mode: 0o755 });
  expect(findDbusDaemon(`/nonexistent${path.delimiter}${bin}`)).toBe(path.join(bin, 'dbus-daemon'));
  fs.chmodSync(path.join(bin, 'dbus-daemon'), 0o644);
  expect(findDbusDaemon(bin)).toBeNull();

  const saved = process.env.PATH;
  process.env.PATH = path.join(dir, 'empty');
  try {
    await expect(startDbusDaemon()).rejects.toThrow(
      'dbus-daemon not found on PATH (Debian/Ubuntu: apt-get install dbus)',
    );
  } finally {
    process.env.PATH = saved;
  }
});

test('events: commissioning actions read "Dry run on" and "Relay test: load output forced OFF"', async () => {
  const history = [
    event(1, { kind: 'control', name: 'dryRun', from: false, to: true, reason: 'set by X' }),
    event(2, { kind: 'control', name: 'test-output load', from: null, to: false }),
  ];
  fs.writeFileSync(
    path.join(dir, 'events.jsonl'),
    history.map((e) => JSON.stringify(e)).join('\n') + '\n',
  );
  const io = new Recorder();
  expect(await main(['events', '--data-dir', dir], io)).toBe(0);
  expect(io.err).toEqual([]); // no line skipped as corrupt: `control` is a known kind
  expect(io.out).toEqual([
    '2026-11-29 06:30:01 -03:30 Dry run on: set by X',
    '2026-11-29 06:30:02 -03:30 Relay test: load output forced OFF (why)',
  ]);
});

test.each(['abc', '0', '-3', '1.5', '', '0x10', '1e2', ' 5'])(
  'events -n %p is refused as every command refuses: the reason, the usage, exit 2',
  async (n) => {
    fs.writeFileSync(path.join(dir, 'events.jsonl'), '');
    const io = new Recorder();
    expect(await main(['events', '--data-dir', dir, '-n', n], io)).toBe(2);
    expect(io.err).toEqual([
      `smallbms events: -n must be a whole number ≥ 1 (got "${n}")`,
      `usage: smallbms ${COMMANDS.events.usage}`,
    ]);
    expect(io.stdout).toBe('');
  },
);

test("the README's Commands table shows each command as --help does", () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('## Commands');
  const table = readme.slice(start, readme.indexOf('\n\n', readme.indexOf('|', start)));
  for (const entry of Object.values(COMMANDS)) {
    expect(table).toContain(`| \`smallbms ${entry.usage.replace(/\|/g, '\\|')}\` |`);
  }
});

describe('test-output takes the words people use: pre-alarm (and preAlarm, the config key)', () => {
  const bus = usePrivateBus();

  test('pre-alarm on, preAlarm off, pre-alarm stop write /Bms/TestOutput/PreAlarm = 1, 2, 0', async () => {
    const name = 'com.victronenergy.battery.smallbms_words';
    const service = new DummyService({
      address: bus.address(),
      name,
      paths: {
        '/Bms/TestOutput/PreAlarm': { type: 'i', value: 0, writable: { values: [0, 1, 2] } },
        '/Bms/TestOutput/Result': { type: 's', value: '' },
      },
    });
    await service.start();
    try {
      process.env.DBUS_SYSTEM_BUS_ADDRESS = bus.address();
      for (const words of [
        ['pre-alarm', 'on'],
        ['preAlarm', 'off'],
        ['pre-alarm', 'stop'],
      ]) {
        const io = new Recorder();
        expect([words, await main(['test-output', '--service', name, ...words], io)]).toEqual([
          words,
          0,
        ]);
      }
      expect(service.writes).toEqual([
        { path: '/Bms/TestOutput/PreAlarm', value: 1 },
        { path: '/Bms/TestOutput/PreAlarm', value: 2 },
        { path: '/Bms/TestOutput/PreAlarm', value: 0 },
      ]);
    } finally {
      await service.stop();
    }
  });
});

test.each(Object.keys(COMMANDS))('%s --help lists every option it accepts', async (name) => {
  const io = new Recorder();
  expect(await main([name, '--help'], io)).toBe(0);
  const { flags = [], values = [] } = COMMANDS[name].args;
  const options = io.out.slice(io.out.indexOf('options:') + 1);
  for (const o of [...flags, ...values]) {
    // Each on its own line, described (not the bare name), with FILE/N/... after a value.
    const line = options.find((l) => l.trim().split(/\s+/)[0] === o);
    expect({ o, line }).toEqual({ o, line: expect.stringMatching(/\S\s{2,}\S/) });
    if (values.includes(o)) expect(line?.trim().split(/\s+/)[1]).toMatch(/^[A-Z]+$/);
  }
  if (flags.length + values.length === 0) expect(io.out).not.toContain('options:');
});

describe('a closed stdout ends the command quietly (no EPIPE stack trace)', () => {
  const example = path.resolve(__dirname, '../../service/conf/smallbms.cerbo-gx.example.json');
  // `| true` closes the pipe before the command writes: every write meets EPIPE.
  const piped = (args: string, reader: string): { rc: string; stderr: string } => {
    const r = spawnSync(
      'bash',
      ['-c', `"$NODE" "$BUNDLE" ${args} | ${reader}; echo "rc=\${PIPESTATUS[0]}" >&2`],
      {
        encoding: 'utf8',
        env: { ...process.env, NODE: serviceNode(), BUNDLE: ensureBundle() },
        timeout: 30000,
      },
    );
    const lines = r.stderr.trim().split('\n');
    return { rc: lines[lines.length - 1], stderr: lines.slice(0, -1).join('\n') };
  };

  test('check-config FILE | true, | head -1', () => {
    expect(piped(`check-config "${example}"`, 'true')).toEqual({ rc: 'rc=0', stderr: '' });
    expect(piped(`check-config "${example}"`, 'head -1 >/dev/null')).toEqual({
      rc: 'rc=0',
      stderr: '',
    });
  });

  test('events (many) | head -2', () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify(event(i + 1, { kind: 'alarm', name: 'lowSoc', from: 0, to: 1 })),
    );
    fs.writeFileSync(path.join(dir, 'events.jsonl'), many.join('\n') + '\n');
    expect(piped(`events --data-dir "${dir}" -n 3000`, 'head -2 >/dev/null')).toEqual({
      rc: 'rc=0',
      stderr: '',
    });
  });
});

describe('a bad word or value is named, then the usage, exit 2, before the command runs', () => {
  test.each([
    [['dry-run', 'maybe'], "smallbms dry-run: 'maybe' is not on or off"],
    [['dry-run', 'ON'], "smallbms dry-run: 'ON' is not on or off"],
    [
      ['test-output', 'relay', 'on'],
      "smallbms test-output: 'relay' is not load, charge or pre-alarm",
    ],
    [
      ['test-output', 'prealarm', 'on'],
      "smallbms test-output: 'prealarm' is not load, charge or pre-alarm",
    ],
    [['test-output', 'load', 'maybe'], "smallbms test-output: 'maybe' is not on, off or stop"],
    [['test-output', 'load'], 'smallbms test-output: missing argument: on, off or stop'],
    [['test-output'], 'smallbms test-output: missing argument: load, charge or pre-alarm'],
    [['test-output', 'load', 'on', 'now'], 'smallbms test-output: unexpected argument "now"'],
    [['check-config', 'a.json', 'b.json'], 'smallbms check-config: unexpected argument "b.json"'],
    [['events', 'all'], 'smallbms events: unexpected argument "all"'],
    [
      ['demo', '--speed', 'fast'],
      'smallbms demo: --speed must be a number from 1 to 500 (got "fast")',
    ],
    [['demo', '--speed=0'], 'smallbms demo: --speed must be a number from 1 to 500 (got "0")'],
    [['run', '--sim-speed', 'x'], 'smallbms run: --sim-speed must be a number above 0 (got "x")'],
    [['run', '--sim-speed', '-2'], 'smallbms run: --sim-speed must be a number above 0 (got "-2")'],
  ])('%j', async (argv, message) => {
    const io = new Recorder();
    expect(await main(argv, io)).toBe(2);
    expect(io.err).toEqual([message, `usage: smallbms ${COMMANDS[argv[0]].usage}`]);
    expect(io.stdout).toBe('');
  });

  test('options before the words are not taken for words (test-output --config FILE load on)', async () => {
    // No service on this bus: past the argument check, the command says so (exit 1, not 2).
    const io = new Recorder();
    const saved = process.env.DBUS_SYSTEM_BUS_ADDRESS;
    process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${path.join(dir, 'no-bus')}`;
    try {
      const config = path.join(dir, 'none.json');
      expect(await main(['test-output', '--config', config, 'load', 'on'], io)).toBe(1);
      expect(await main(['dry-run', '--service', 'com.example', 'on'], io)).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
      else process.env.DBUS_SYSTEM_BUS_ADDRESS = saved;
    }
    expect(io.err.join('\n')).not.toContain('usage');
    expect(io.err[0]).toContain('cannot reach the D-Bus system bus');
  });

  test('SMALLBMS_SIM_SPEED that is not a number is named (exit 2), the service not started', async () => {
    const example = path.resolve(__dirname, '../../service/conf/smallbms.cerbo-gx.example.json');
    const io = new Recorder();
    const saved = process.env.SMALLBMS_SIM_SPEED;
    process.env.SMALLBMS_SIM_SPEED = 'fast';
    try {
      expect(await main(['run', '--config', example, '--no-dbus'], io)).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.SMALLBMS_SIM_SPEED;
      else process.env.SMALLBMS_SIM_SPEED = saved;
    }
    expect(io.err).toEqual([
      'smallbms run: SMALLBMS_SIM_SPEED must be a number above 0 (got "fast")',
    ]);
  });
});
