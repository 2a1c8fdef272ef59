/**
 * docs/installer.md: its links resolve inside the repository, every D-Bus path it names is
 * ours (in the battery service's path table or our settings) or a known path of another
 * service, and every config it shows passes the config loader. The checks are first run on
 * a broken document, to show that they find what they should.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  REPO_ROOT,
  checkConfigBlocks,
  checkDbusPaths,
  checkLinks,
  countConfigBlocks,
  dbusPathsIn,
  githubSlug,
  ourPaths,
} from './markdown-check';

const GUIDE = path.join(REPO_ROOT, 'docs/installer.md');
const guide = fs.readFileSync(GUIDE, 'utf8');

/**
 * Paths of other services the guide names, each checked in Victron's sources (named in the
 * guide's Sources section). A path missing here and from our table fails the test.
 */
const FOREIGN = new Set([
  // localsettings, set from gui-v2 pages/settings/PageSettingsBatteries.qml
  '/Settings/SystemSetup/BatteryService',
  // localsettings, gui-v2 pages/settings/PageSettingsDvcc.qml ("Controlling BMS")
  '/Settings/SystemSetup/BmsInstance',
  // dbus-digitalinputs dbus_digitalinputs.py: '/Settings/DigitalInput/{}/Type'
  '/Settings/DigitalInput/1/Type',
  // com.victronenergy.system, dbus-systemcalc-py delegates/batteryservice.py
  '/Dvcc/Alarms/MultipleBatteries',
  // com.victronenergy.vebus (a VE.Bus BMS through the Multi): dbus-systemcalc-py
  // delegates/systemstate.py bms_state(), delegates/dvcc.py; venus issue #89
  '/Bms/AllowToDischarge',
  '/Bms/AllowToCharge',
  // com.victronenergy.vebus, mk2-dbus 3.51 (venus issue #989, in the research notes)
  '/Alarms/BmsPreAlarm',
  // Section 6.1, measured with venus-platform v2.41: com.victronenergy.platform's
  // notifications, the alarm relay and the buzzer on com.victronenergy.system, and their
  // localsettings
  '/Notifications/Alarm',
  '/Notifications/AcknowledgeAll',
  '/Relay/0/State',
  '/Buzzer/State',
  '/Settings/Relay/Function',
  '/Settings/Alarm/Audible',
]);

describe('the checks find broken documents', () => {
  const broken = [
    '# Title',
    '## Wiring',
    'A [missing file](nothing-here.md), one [outside](../../etc/passwd),',
    'a [bad anchor](#no-such-heading), a [good one](#wiring), a [web page](https://example.com).',
    'Set `/Bms/DryRunn` and `/Bms/DryRun`; `/Settings/SystemSetup/BatteryService`.',
    '```json config',
    '{ "lines": {}, "outputs": { "load": [{ "type": "relay", "relay": 9 }] } }',
    '```',
    '```json',
    '{ "dryRun": true }',
    '```',
  ].join('\n');
  const file = path.join(REPO_ROOT, 'docs/broken.md');

  test('links: a missing file, a path outside the repository, an unknown anchor', () => {
    const problems = checkLinks(broken, file);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/nothing-here\.md does not exist/);
    expect(problems[1]).toMatch(/outside the repository/);
    expect(problems[2]).toMatch(/no heading #no-such-heading/);
  });

  test('D-Bus paths: a misspelt path of ours is refused, a real one and a known foreign one pass', () => {
    expect(checkDbusPaths(broken, ourPaths(), FOREIGN)).toEqual([
      expect.stringMatching(/^D-Bus path \/Bms\/DryRunn: /),
    ]);
  });

  test('configs: an invalid config and an unmarked json block are reported', () => {
    const problems = checkConfigBlocks(broken, file);
    expect(problems.some((p) => /json block 1: .*relay/.test(p))).toBe(true);
    expect(problems.some((p) => /json block 1: \$\.lines/.test(p))).toBe(true);
    expect(problems).toContain('json block 2: not marked as a config (```json config)');
  });

  test('GitHub anchors', () => {
    expect(githubSlug('3.2 Optocoupler for "high = allowed" outputs (smallBMS NG style)')).toBe(
      '32-optocoupler-for-high--allowed-outputs-smallbms-ng-style',
    );
    expect(githubSlug('2.5 D-Bus batteries: a `dbus` line')).toBe('25-d-bus-batteries-a-dbus-line');
  });
});

describe('docs/installer.md', () => {
  test('every relative link and picture resolves inside the repository (anchors included)', () => {
    expect(checkLinks(guide, GUIDE)).toEqual([]);
  });

  test('it shows a wiring picture for each kind of source', () => {
    const pictures = [...guide.matchAll(/!\[[^\]]*\]\((wiring-[a-z-]+\.svg)\)/g)].map((m) => m[1]);
    expect(new Set(pictures).size).toBeGreaterThanOrEqual(5);
    for (const svg of pictures) {
      const text = fs.readFileSync(path.join(REPO_ROOT, 'docs', svg), 'utf8');
      expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(text).toMatch(/<title>[^<]+<\/title>/);
      expect(text.trimEnd().endsWith('</svg>')).toBe(true);
    }
  });

  test('every D-Bus path it names is ours or a known path of another service', () => {
    const named = dbusPathsIn(guide);
    expect(named).toEqual(expect.arrayContaining(['/Bms/DryRun', '/Io/AllowToDischarge']));
    expect(checkDbusPaths(guide, ourPaths(), FOREIGN)).toEqual([]);
  });

  test('every config it shows passes the config loader', () => {
    expect(countConfigBlocks(guide)).toBeGreaterThanOrEqual(4);
    expect(checkConfigBlocks(guide, GUIDE)).toEqual([]);
  });

  test('the README links it from its first screen', () => {
    const firstScreen = fs
      .readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')
      .split('\n')
      .slice(0, 25)
      .join('\n');
    expect(firstScreen).toMatch(/\]\(docs\/installer\.md\)/);
  });

  test('the CLI commands it names exist', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { COMMANDS } = require('../../service/src/cli/main') as {
      COMMANDS: Record<string, { load?: unknown }>;
    };
    const used = new Set([...guide.matchAll(/`smallbms ([a-z][a-z-]*)/g)].map((m) => m[1]));
    used.delete('dry-run'); // named as "if your version has it"
    expect([...used].filter((c) => !COMMANDS[c]?.load)).toEqual([]);
  });
});

test('the relay drawing and section 3.4 give the same coil figures, the stricter (VE.Bus BMS) ones', () => {
  const svg = fs.readFileSync(path.join(REPO_ROOT, 'docs/wiring-relay.svg'), 'utf8');
  const rule = /<text[^>]*>(12 V system: [^<]*)<\/text>/.exec(svg)?.[1];
  expect(rule).toBe(
    '12 V system: 12 V coil, must operate ≤ 9 V, stands 15 V · 24 V: 24 V coil, ≤ 19 V / 30 V · 48 V: 48 V coil, ≤ 39 V / 60 V',
  );
  const section = guide.slice(guide.indexOf('### 3.4 '), guide.indexOf('### 3.5 '));
  const flat = section.replace(/\*\*/g, '').replace(/\s+/g, ' ');
  expect(flat).toContain(rule);
  // The lowest battery voltage (10 V on 12 V) minus the VE.Bus BMS's drop (about 1 V).
  expect(flat).toContain('9 V behind a VE.Bus BMS');
  expect(flat).not.toMatch(/must operate ≤ 10 V/);
});
