/**
 * `smallbms check-config` as users meet it: a table of good and bad configs through the real
 * command function, then a few through the real launcher (bin/smallbms, the esbuild bundle).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { checkConfigCommand } from '../../service/src/cli/check-config';
import { minimalConfig, Recorder, tempDir, withValue, writeTemp, type Doc } from './helpers';

const root = path.resolve(__dirname, '../..');
const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function mutate(change: (doc: Doc) => void): Doc {
  const doc = minimalConfig();
  change(doc);
  return doc;
}

interface Case {
  name: string;
  content: string | Doc;
  /** Lines `  $.path: ...` expected on stderr (substring match). */
  problems: string[];
}

const bad: Case[] = [
  {
    name: 'unknown key inside a line',
    content: mutate((d) => withValue(d, 'lines.dischargeAllowed.foo', 1)),
    problems: ['$.lines.dischargeAllowed: unknown key "foo"'],
  },
  {
    name: 'misspelt role gets a suggestion',
    content: mutate((d) =>
      withValue(d, 'lines.chargeAlowed', { source: { type: 'gpio', input: 3 } }),
    ),
    problems: ['$.lines: unknown key "chargeAlowed"; did you mean "chargeAllowed"?'],
  },
  {
    name: 'wrong type',
    content: mutate((d) => withValue(d, 'tunables.minOffTimeS', '10')),
    problems: ['$.tunables.minOffTimeS: expected a number, got the string "10"'],
  },
  {
    name: 'relay used by two outputs',
    content: mutate((d) => withValue(d, 'outputs.charge', [{ type: 'relay', relay: 1 }])),
    problems: ['$.outputs.charge[0]: relay 1 is already driven by $.outputs.load[0]'],
  },
  {
    name: 'relay listed twice in one output',
    content: mutate((d) =>
      withValue(d, 'outputs.load', [
        { type: 'relay', relay: 1 },
        { type: 'relay', relay: 1 },
      ]),
    ),
    problems: ['$.outputs.load[1]: relay 1 is listed twice in outputs.load'],
  },
  {
    name: 'neither ATD nor ATC wired',
    content: mutate((d) =>
      withValue(d, 'lines', { remote: { source: { type: 'gpio', input: 3 } } }),
    ),
    problems: ['$.lines: wire at least one of dischargeAllowed and chargeAllowed'],
  },
  {
    name: 'pre-alarm lead time 29 s',
    content: mutate((d) => withValue(d, 'tunables.preAlarmLeadS', 29)),
    problems: ['$.tunables.preAlarmLeadS: must be ≥ 30 s; got 29 s'],
  },
  {
    name: 'malformed JSON gives line and column',
    content: '{\n  "lines": {\n    "dischargeAllowed": { "source": { "type": "gpio" } },\n  }\n}\n',
    problems: ['is not valid JSON: line 4, column 3: trailing comma before "}"'],
  },
  { name: 'empty file', content: '', problems: ['is empty'] },
  {
    name: 'intermittent pre-alarm on a relay',
    content: mutate((d) => {
      withValue(d, 'tunables.preAlarmMode', 'intermittent');
      withValue(d, 'outputs.load', []);
      withValue(d, 'outputs.preAlarm', [{ type: 'relay', relay: 1 }]);
    }),
    problems: ['$.outputs.preAlarm[0]: intermittent pre-alarm', 'relays must not chatter'],
  },
  {
    name: 'system service as battery monitor',
    content: mutate((d) => withValue(d, 'batteryMonitor', { service: 'com.victronenergy.system' })),
    problems: ['$.batteryMonitor.service: must not be com.victronenergy.system'],
  },
  {
    name: 'our own service as battery monitor',
    content: mutate((d) =>
      withValue(d, 'batteryMonitor', { service: 'com.victronenergy.battery.smallbms' }),
    ),
    problems: [
      '$.batteryMonitor.service: com.victronenergy.battery.smallbms is this service itself',
    ],
  },
  {
    name: 'same digital input on two lines (gpio and digitalinput)',
    content: mutate((d) => withValue(d, 'lines.preAlarm', { source: { type: 'gpio', input: 1 } })),
    problems: [
      '$.lines.preAlarm.source.input: digital input 1 is already used by $.lines.dischargeAllowed',
    ],
  },
  {
    name: 'buzzer on the load output, dvcc on the pre-alarm',
    content: mutate((d) => {
      withValue(d, 'outputs.load', [{ type: 'buzzer' }]);
      withValue(d, 'outputs.preAlarm', [{ type: 'dvcc' }]);
    }),
    problems: [
      '$.outputs.load[0]: the buzzer can only be a preAlarm target',
      '$.outputs.preAlarm[0]: dvcc can only be a load or charge target',
    ],
  },
  {
    name: 'gpio source with neither input nor path, and one with both',
    content: mutate((d) => {
      withValue(d, 'lines.dischargeAllowed', { source: { type: 'gpio' } });
      withValue(d, 'lines.chargeAllowed', { source: { type: 'gpio', input: 2, path: 'x/value' } });
    }),
    problems: [
      '$.lines.dischargeAllowed.source: a gpio source needs "input"',
      '$.lines.chargeAllowed.source: a gpio source takes "input" or "path", not both',
    ],
  },
  {
    name: 'Cerbo GX limits: relay 3 and digital input 5',
    content: mutate((d) => {
      withValue(d, 'outputs.charge', [{ type: 'relay', relay: 3 }]);
      withValue(d, 'lines.chargeAllowed', { source: { type: 'gpio', input: 5 } });
    }),
    problems: [
      '$.outputs.charge[0].relay: a Cerbo GX has relays 1 and 2; got 3',
      '$.lines.chargeAllowed.source.input: a Cerbo GX has digital inputs 1 to 4; got 5',
    ],
  },
  {
    name: 'Ekrano GX has two digital inputs (assumption)',
    content: mutate((d) => {
      withValue(d, 'board', 'ekrano-gx');
      withValue(d, 'lines.preAlarm', { source: { type: 'digitalinput', input: 3 } });
    }),
    problems: ['$.lines.preAlarm.source.input: an Ekrano GX has digital inputs 1 and 2; got 3'],
  },
  {
    name: 'source type typo: only the type is reported, not every branch',
    content: mutate((d) =>
      withValue(d, 'lines.dischargeAllowed.source', { type: 'gpoi', input: 1 }),
    ),
    problems: [
      '$.lines.dischargeAllowed.source: unknown type "gpoi"; expected one of gpio, digitalinput, dbus',
    ],
  },
  {
    name: 'dbus source: errors of the dbus branch only',
    content: mutate((d) =>
      withValue(d, 'lines.remote', { source: { type: 'dbus', service: 'x', path: '/Mode' } }),
    ),
    problems: [
      '$.lines.remote.source.service: must be a Victron service name',
      '$.lines.remote.source: missing required key "value"',
    ],
  },
  {
    name: 'duplicate key',
    content:
      '{"name": "A", "name": "B", "lines": {"chargeAllowed": {"source": {"type": "digitalinput", "input": 1}}}}',
    problems: ['$.name: this key appears twice'],
  },
  {
    name: 'several problems are all reported together',
    content: mutate((d) => {
      withValue(d, 'tunables.preAlarmLeadS', 29);
      withValue(d, 'outputs.charge', [{ type: 'relay', relay: 1 }]);
      withValue(d, 'systemVoltage', 36);
    }),
    problems: [
      '$.tunables.preAlarmLeadS',
      '$.outputs.charge[0]',
      '$.systemVoltage: must be one of 12, 24, 48; got 36',
    ],
  },
];

describe('check-config rejects bad configs with every problem and its path', () => {
  test.each(bad.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const file = writeTemp(dir, `${c.name.replace(/\W+/g, '-')}.json`, c.content);
    const io = new Recorder();
    const code = await checkConfigCommand([file], io, {});
    expect(code).toBe(1);
    expect(io.err[0]).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ problems?$`),
    );
    for (const expected of c.problems) expect(io.stderr).toContain(expected);
    // Where first: line and column of what is wrong, then the JSON path inside the file; a
    // problem of the whole file (not JSON, empty) is a plain sentence, without a bare `$:`.
    for (const line of io.err.slice(1)) {
      expect(line).toMatch(/^ {2}(line [1-9]\d*, column [1-9]\d*: (\$[.[]\S*: )?)?\S/);
      expect(line).not.toMatch(/(^ {2}|: )\$: /);
    }
    expect(io.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('check-config accepts good configs and summarizes them', () => {
  const good: [string, Doc | string][] = [
    ['the minimal config', minimalConfig()],
    [
      'the Cerbo GX example',
      fs.readFileSync(path.join(root, 'service/conf/smallbms.cerbo-gx.example.json'), 'utf8'),
    ],
    [
      'the simulated config',
      fs.readFileSync(path.join(root, 'service/conf/smallbms.simulated.json'), 'utf8'),
    ],
    [
      'a dbus source and every target type',
      mutate((d) => {
        withValue(d, 'name', 'House_2');
        withValue(d, 'lines.remote', {
          source: {
            type: 'dbus',
            service: 'com.victronenergy.battery.lynxbms',
            path: '/Io/AllowToDischarge',
            value: 1,
          },
        });
        withValue(d, 'outputs.load', [
          { type: 'relay', relay: 1 },
          { type: 'dvcc' },
          { type: 'device', service: 'com.victronenergy.inverter.ttyS4', onValue: 2, offValue: 4 },
        ]);
        withValue(d, 'outputs.charge', [
          { type: 'dvcc' },
          { type: 'switch', service: 'com.victronenergy.switch.ioext_1', channel: 0 },
        ]);
        withValue(d, 'outputs.preAlarm', [
          { type: 'buzzer' },
          { type: 'gpio', path: '/dev/gpio/led/value', invert: true },
        ]);
        withValue(d, 'tunables.preAlarmMode', 'intermittent');
        withValue(d, 'tunables.preAlarmLeadS', 60);
      }),
    ],
  ];
  test.each(good)('%s', async (name, content) => {
    const file = writeTemp(dir, `good-${name.replace(/\W+/g, '-')}.json`, content);
    const io = new Recorder();
    const code = await checkConfigCommand([file], io, {});
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    expect(io.out[0]).toBe(`${file}: valid`);
    expect(io.stdout).toContain('lines:');
    expect(io.stdout).toContain('outputs:');
    expect(io.stdout).toContain('battery monitor:');
    expect(io.stdout).toContain('mqtt:');
  });

  test('the summary names bank, board, wiring and changed tunables', async () => {
    const file = path.join(root, 'service/conf/smallbms.cerbo-gx.example.json');
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(0);
    expect(io.stdout).toContain(
      'bank Default: com.victronenergy.battery.smallbms, board cerbo-gx, 12 V system',
    );
    expect(io.stdout).toMatch(
      /dischargeAllowed\s+digital input 1 via com\.victronenergy\.digitalinput\.input_1/,
    );
    expect(io.stdout).toMatch(/load\s+relay 1/);
    expect(io.stdout).toMatch(/preAlarm\s+buzzer/);
    expect(io.stdout).toContain('battery monitor: com.victronenergy.battery.ttyS5');
    expect(io.stdout).toContain('tunables: all defaults');
    expect(io.stdout).toContain('not wired: remote');
  });

  test('the summary says when the config makes us the DVCC BMS and what to set', async () => {
    const dvcc = writeTemp(
      dir,
      'dvcc.json',
      mutate((d) => {
        withValue(d, 'outputs.charge', [{ type: 'dvcc' }]);
        withValue(d, 'batteryMonitor', { service: 'com.victronenergy.battery.ttyS5' });
      }),
    );
    const io = new Recorder();
    expect(await checkConfigCommand([dvcc], io, {})).toBe(0);
    expect(io.stdout).toContain('GX role: DVCC BMS');
    expect(io.stdout).toContain(
      'Settings → System Setup → Batteries → Battery monitor to your monitor (com.victronenergy.battery.ttyS5',
    );
    expect(io.stdout).toContain('error #67');
    const plain = new Recorder();
    const file = path.join(root, 'service/conf/smallbms.cerbo-gx.example.json');
    expect(await checkConfigCommand([file], plain, {})).toBe(0);
    expect(plain.stdout).toContain('GX role: not a BMS');
    expect(plain.stdout).not.toContain('DVCC BMS');
  });

  test('tunables that differ from the defaults are listed', async () => {
    const file = writeTemp(
      dir,
      'tuned.json',
      mutate((d) => withValue(d, 'tunables.preAlarmLeadS', 60)),
    );
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(0);
    expect(io.stdout).toContain('tunables: preAlarmLeadS 60 (default 30)');
  });
});

describe('check-config: one mistake, one problem, in words that make sense', () => {
  /** The problems check-config prints for `content`, without their line and column. */
  async function problemsOf(name: string, content: string | Doc): Promise<string[]> {
    const file = writeTemp(dir, `${name}.json`, content);
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(1);
    expect(io.err[0]).toBe(
      `${file}: ${io.err.length - 1} problem${io.err.length === 2 ? '' : 's'}`,
    );
    return io.err.slice(1).map((l) => l.replace(/^ {2}(line \d+, column \d+: )?/, ''));
  }

  test('a number above the board and the schema: only the board says it (input 9, relay 9 on a Cerbo GX)', async () => {
    const problems = await problemsOf(
      'above-board-and-schema',
      mutate((d) => {
        withValue(d, 'lines.chargeAllowed', { source: { type: 'gpio', input: 9 } });
        withValue(d, 'outputs.charge', [{ type: 'relay', relay: 9 }]);
      }),
    );
    expect(problems).toEqual([
      '$.lines.chargeAllowed.source.input: a Cerbo GX has digital inputs 1 to 4; got 9',
      '$.outputs.charge[0].relay: a Cerbo GX has relays 1 and 2; got 9',
    ]);
  });

  test("the same on the simulated board (8 of each, the schema's own maximum)", async () => {
    const problems = await problemsOf(
      'above-simulated',
      mutate((d) => {
        withValue(d, 'board', 'simulated');
        withValue(d, 'lines.chargeAllowed', { source: { type: 'digitalinput', input: 9 } });
        withValue(d, 'outputs.charge', [{ type: 'relay', relay: 10 }]);
      }),
    );
    expect(problems).toEqual([
      '$.lines.chargeAllowed.source.input: the simulated board has digital inputs 1 to 8; got 9',
      '$.outputs.charge[0].relay: the simulated board has relays 1 to 8; got 10',
    ]);
  });

  test("a fraction out of range is one problem; below the schema minimum is the schema's", async () => {
    const problems = await problemsOf(
      'fraction-and-zero',
      mutate((d) => {
        withValue(d, 'lines.chargeAllowed', { source: { type: 'digitalinput', input: 9.5 } });
        withValue(d, 'outputs.charge', [{ type: 'relay', relay: 0 }]);
      }),
    );
    expect(problems).toEqual([
      '$.lines.chargeAllowed.source.input: must be a whole number ≤ 8; got 9.5',
      '$.outputs.charge[0].relay: must be ≥ 1; got 0',
    ]);
  });

  test('"systemVoltage": 12.5 says what it got; a string still says it is a string', async () => {
    expect(
      await problemsOf(
        'voltage-fraction',
        mutate((d) => withValue(d, 'systemVoltage', 12.5)),
      ),
    ).toEqual(['$.systemVoltage: must be one of 12, 24, 48 (got 12.5)']);
    expect(
      await problemsOf(
        'voltage-string',
        mutate((d) => withValue(d, 'systemVoltage', '24')),
      ),
    ).toEqual(['$.systemVoltage: must be one of 12, 24, 48 (a number, not the string "24")']);
  });

  test('problems of the whole file have no bare "$:"; problems inside it keep their path', async () => {
    const file = writeTemp(dir, 'comma.json', '{\n  "name": "x",\n}\n');
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(1);
    expect(io.err).toEqual([
      `${file}: 1 problem`,
      `  ${file} is not valid JSON: line 3, column 1: trailing comma before "}"`,
    ]);
    expect(
      await problemsOf(
        'top-level-key',
        mutate((d) => withValue(d, 'foo', 1)),
      ),
    ).toEqual([expect.stringMatching(/^unknown key "foo" \(allowed here: name, board, /)]);
  });
});

describe('check-config: files and arguments', () => {
  test('a missing file is a clear message, exit 1', async () => {
    const io = new Recorder();
    const file = path.join(dir, 'nope.json');
    expect(await checkConfigCommand([file], io, {})).toBe(1);
    expect(io.err).toEqual([`${file}: 1 problem`, `  config file ${file} does not exist`]);
  });

  test('a directory is not a config file', async () => {
    const io = new Recorder();
    expect(await checkConfigCommand([dir], io, {})).toBe(1);
    expect(io.stderr).toContain('is a directory');
  });

  test('without FILE it uses $SMALLBMS_CONFIG', async () => {
    const file = writeTemp(dir, 'from-env.json', minimalConfig());
    const io = new Recorder();
    expect(await checkConfigCommand([], io, { SMALLBMS_CONFIG: file })).toBe(0);
    expect(io.out[0]).toBe(`${file}: valid`);
  });

  test('--config FILE works too; unknown options are usage errors', async () => {
    const file = writeTemp(dir, 'flag.json', minimalConfig());
    expect(await checkConfigCommand(['--config', file], new Recorder(), {})).toBe(0);
    const io = new Recorder();
    expect(await checkConfigCommand(['--frobnicate'], io, {})).toBe(2);
    expect(io.stderr).toContain('unknown option --frobnicate');
  });
});

describe('the real launcher: node bin/smallbms check-config FILE', () => {
  function launch(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [path.join(root, 'bin/smallbms'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, SMALLBMS_DEBUG: '' },
      timeout: 60000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('a valid config: exit 0 and a summary', () => {
    const r = launch(
      'check-config',
      path.join(root, 'service/conf/smallbms.cerbo-gx.example.json'),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(': valid');
    expect(r.stdout).toMatch(/charge\s+relay 2/);
  });

  test('a relay used twice and a short lead time: exit 1, both problems', () => {
    const file = writeTemp(
      dir,
      'launcher-bad.json',
      mutate((d) => {
        withValue(d, 'outputs.charge', [{ type: 'relay', relay: 1 }]);
        withValue(d, 'tunables.preAlarmLeadS', 29);
      }),
    );
    const r = launch('check-config', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /\n {2}line \d+, column \d+: \$\.outputs\.charge\[0\]: relay 1 is already driven by \$\.outputs\.load\[0\]/,
    );
    expect(r.stderr).toMatch(
      /\n {2}line \d+, column \d+: \$\.tunables\.preAlarmLeadS: must be ≥ 30 s; got 29 s/,
    );
  });

  test('malformed JSON: line and column, no stack trace', () => {
    const file = writeTemp(
      dir,
      'launcher-malformed.json',
      '{\n  "name": "x"\n  "board": "cerbo-gx"\n}',
    );
    const r = launch('check-config', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('line 3, column 3: expected "," or "}"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('a missing file: exit 1 and a clear message', () => {
    const r = launch('check-config', path.join(dir, 'missing.json'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('does not exist');
  });

  test('unknown command: usage on stderr, exit 2; --version and help', () => {
    const unknown = launch('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^smallbms: unknown command "frobnicate"\n/);
    expect(unknown.stderr).toContain('check-config');
    const help = launch();
    expect(help.status).toBe(0);
    for (const c of ['run', 'demo', 'status', 'events', 'check-config', 'test-output']) {
      expect(help.stdout).toContain(`smallbms ${c}`);
    }
    const version = launch('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

test('an unknown board is reported once, without limits of some other board', async () => {
  const doc = mutate((d) => {
    withValue(d, 'board', 'nope');
    withValue(d, 'lines.preAlarm', { source: { type: 'gpio', input: 9 } });
  });
  const file = writeTemp(dir, 'board-nope.json', doc);
  const io = new Recorder();
  expect(await checkConfigCommand([file], io, {})).toBe(1);
  expect(io.stderr).toContain('$.board:');
  expect(io.stderr).not.toMatch(/simulated board|Cerbo|digital inputs 1 to|relays 1 to/);
  // The count line, the board and the schema's range for the input: nothing more.
  expect(io.err).toHaveLength(3);
  expect(io.stderr).toContain('$.lines.preAlarm.source.input: must be ≤ 8; got 9');
});

describe('check-config warns (exit 0) about valid settings that give up a fail-safe', () => {
  const cases: [string, (d: Doc) => void, RegExp][] = [
    [
      'assertedLevel 1 on a digitalinput line',
      (d) => withValue(d, 'lines.chargeAllowed.assertedLevel', 1),
      /^ {2}lines\.chargeAllowed: assertedLevel 1 on a digitalinput input: a broken wire .* reads "asserted" \(allowed\)/,
    ],
    [
      'assertedLevel 1 on a gpio line',
      (d) =>
        withValue(d, 'lines.dischargeAllowed', {
          source: { type: 'gpio', path: '/dev/gpio/x/value' },
          assertedLevel: 1,
        }),
      /^ {2}lines\.dischargeAllowed: assertedLevel 1 on a gpio input/,
    ],
    [
      'an inverted load target',
      (d) => withValue(d, 'outputs.load', [{ type: 'relay', relay: 1, invert: true }]),
      /^ {2}outputs\.load\[0\]: invert: .*a dead GX or a cut wire allows load/,
    ],
    [
      'bootPolicy hold',
      (d) => withValue(d, 'bootPolicy', 'hold'),
      /^ {2}bootPolicy "hold": after a GX reboot the relays keep their last state/,
    ],
    [
      'charge with no target',
      (d) => withValue(d, 'outputs.charge', []),
      /^ {2}outputs\.charge: no target: nothing disconnects charge/,
    ],
    [
      'load with no target',
      (d) => withValue(d, 'outputs.load', []),
      /^ {2}outputs\.load: no target/,
    ],
    [
      'dryRun true',
      (d) => withValue(d, 'dryRun', true),
      /^ {2}dryRun true: no target is driven, protection is OFF/,
    ],
  ];
  test.each(cases)('%s', async (name, change, warning) => {
    const file = writeTemp(dir, `warn-${name.replace(/\W+/g, '-')}.json`, mutate(change));
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(0);
    expect(io.stderr).toBe('');
    expect(io.out[0]).toBe(`${file}: valid`);
    const at = io.out.indexOf('warnings (1): valid, but not fail-safe:');
    expect(at).toBeGreaterThan(0);
    expect(io.out.slice(at + 1)).toEqual([expect.stringMatching(warning)]);
  });

  test('the fail-safe minimal config has no warnings; an inverted pre-alarm is not one', async () => {
    const file = writeTemp(
      dir,
      'warn-none.json',
      mutate((d) => withValue(d, 'outputs.preAlarm', [{ type: 'buzzer', invert: true }])),
    );
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(0);
    expect(io.stdout).not.toContain('warning');
  });

  test('the Cerbo GX example starts in dry run and says so', async () => {
    const file = path.join(root, 'service/conf/smallbms.cerbo-gx.example.json');
    const io = new Recorder();
    expect(await checkConfigCommand([file], io, {})).toBe(0);
    expect(io.stdout).toContain('DRY RUN');
    expect(io.stdout).toMatch(/warnings \(1\)[^\n]*\n {2}dryRun true: .*protection is OFF/);
  });
});
