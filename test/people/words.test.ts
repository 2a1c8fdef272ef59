/**
 * The one vocabulary (words.ts): states, alarms, outputs, commissioning and the engine's
 * reasons in plain words, as the CLI, /Bms/LastEvent and MQTT `text` show them; the machine
 * fields are not touched.
 */
import { formatEvent, type HistoryEvent } from '../../service/src/status';
import { resolveZone } from '../../service/src/local-time';
import { eventSentence, outputDifference, plainReason, stateWords } from '../../service/src/words';

const ev = (e: Partial<HistoryEvent>): HistoryEvent =>
  ({
    seq: 1,
    t: 0,
    wallTime: '2026-12-05T00:36:23.895Z',
    lines: {},
    reason: '',
    ...e,
  }) as HistoryEvent;

test('an event as owners read it: local time, states and reasons in words', () => {
  const e = ev({
    kind: 'state',
    name: 'state',
    from: 'NORMAL',
    to: 'PRE_ALARM',
    reason: 'pre-alarm line asserted',
  });
  expect(formatEvent(e, resolveZone('America/St_Johns'))).toBe(
    '2026-12-04 21:06:23 -03:30 Normal → Pre-alarm: the BMS raised its pre-alarm',
  );
  // The record keeps its machine fields.
  expect([e.kind, e.from, e.to, e.reason]).toEqual([
    'state',
    'NORMAL',
    'PRE_ALARM',
    'pre-alarm line asserted',
  ]);
});

test.each([
  [
    { kind: 'alarm', name: 'lowCellVoltage', from: 0, to: 1, reason: 'pre-alarm line asserted' },
    'Low cell voltage: warning (the BMS raised its pre-alarm)',
  ],
  [
    {
      kind: 'state',
      name: 'state',
      from: 'PRE_ALARM',
      to: 'LOADS_OFF_UV',
      reason: 'allowed-to-discharge released (cell under-voltage): pre-alarm lead of 30 s elapsed',
    },
    'Pre-alarm → Loads off (cell under-voltage): the BMS withdrew allowed-to-discharge (cell under-voltage): the 30 s pre-alarm warning time is over',
  ],
  [
    {
      kind: 'output',
      name: 'load',
      from: true,
      to: false,
      reason: 'state LOADS_OFF_UV: allowed-to-discharge released (cell under-voltage)',
    },
    'Load output OFF: Loads off (cell under-voltage): the BMS withdrew allowed-to-discharge (cell under-voltage)',
  ],
  [
    { kind: 'alarm', name: 'lowSoc', from: 1, to: 0, reason: 'SoC 40 % recovered' },
    'Low SoC: cleared (SoC 40 % recovered)',
  ],
  [
    { kind: 'control', name: 'dryRun', from: false, to: true, reason: 'set by D-Bus' },
    'Dry run on: set by D-Bus',
  ],
  [
    {
      kind: 'control',
      name: 'test-output load',
      from: null,
      to: true,
      reason: "D-Bus /Bms/TestOutput: test ended, back to the engine's level: driven (relay 1: ok)",
    },
    "Relay test ended: load output back ON (back to the engine's level: driven (relay 1: ok))",
  ],
  [
    {
      kind: 'control',
      name: 'dryRun',
      from: false,
      to: true,
      reason: 'set by D-Bus /Bms/DryRun (console, smallbms dry-run or MQTT)',
    },
    'Dry run on: set in the console, with smallbms dry-run or over MQTT',
  ],
  [
    {
      kind: 'target',
      name: 'load: relay 1 (com.victronenergy.system /Relay/0/State)',
      from: '0',
      to: true,
      reason: 'set to 0 by someone else while load is on: restored',
    },
    'Load output, relay 1: switched OFF by someone else while the load output should be ON: switched back',
  ],
  [
    {
      kind: 'target',
      name: 'preAlarm: com.victronenergy.vebus.ttyS4 /Mode',
      from: '4',
      to: false,
      reason: 'set to 4 by someone else while preAlarm is off: restored',
    },
    'Pre-alarm output, com.victronenergy.vebus.ttyS4 /Mode: set to 4 by someone else while the pre-alarm output should be OFF: put back',
  ],
  // Seen in a new-user trial: a refused test read "Relay test: load output forced OFF".
  [
    {
      kind: 'control',
      name: 'test-output load',
      from: null,
      to: false,
      reason:
        'D-Bus /Bms/TestOutput: not driven (relay 1 (com.victronenergy.system /Relay/0/State): only in dry run: turn on dry run first)',
    },
    'Relay test refused: load output was not forced OFF (relay tests work only in dry run)',
  ],
  [
    {
      kind: 'control',
      name: 'test-output charge',
      from: null,
      to: true,
      reason:
        'D-Bus /Bms/TestOutput: driven (relay 2 (com.victronenergy.system /Relay/1/State): ok)',
    },
    'Relay test: charge output forced ON (driven (relay 2: ok))',
  ],
  [
    {
      kind: 'control',
      name: 'test-output charge',
      from: null,
      to: true,
      reason:
        'D-Bus /Bms/TestOutput: not driven (relay 2 (com.victronenergy.system /Relay/1/State): refused by systemcalc)',
    },
    'Relay test: charge output could not be forced ON (not driven (relay 2: refused by systemcalc))',
  ],
  [
    {
      kind: 'state',
      name: 'state',
      from: 'NORMAL',
      to: 'REMOTE_OFF',
      reason: 'remote off (software /Mode standby)',
    },
    'Normal → Remote off: standby set in the console, VRM or MQTT',
  ],
  [
    {
      kind: 'state',
      name: 'state',
      from: 'NORMAL',
      to: 'REMOTE_OFF',
      reason: 'remote off (software /Mode standby, remote line released)',
    },
    'Normal → Remote off: standby set in the console, VRM or MQTT, the remote on/off switch is off',
  ],
  [
    {
      kind: 'output',
      name: 'charge',
      from: true,
      to: false,
      reason: 'charging blocked: remote off (remote line released)',
    },
    'Charge output OFF: charging not allowed: the remote on/off switch is off',
  ],
  [
    { kind: 'state', name: 'state', from: 'REMOTE_OFF', to: 'NORMAL', reason: 'remote on' },
    'Remote off → Normal: remote on again',
  ],
  [
    { kind: 'state', name: 'state', from: 'NORMAL', to: 'FAULT', reason: 'line remote unhealthy' },
    'Normal → Fault: remote on/off line unhealthy',
  ],
])('sentence %#', (fields, sentence) => {
  expect(eventSentence(ev(fields as Partial<HistoryEvent>))).toBe(sentence);
});

test('unknown states and phrases pass unchanged', () => {
  expect(stateWords('SOMETHING')).toBe('SOMETHING');
  expect(plainReason('a reason nobody wrote a rule for')).toBe('a reason nobody wrote a rule for');
  expect(plainReason('line highTemperature asserted')).toBe('high temperature line asserted');
});

test('actual beside the wish: one sentence per output, "" when they agree', () => {
  expect(outputDifference('load', true, [])).toBe('');
  expect(
    outputDifference('load', true, [
      { target: 'relay 1 (com.victronenergy.system /Relay/0/State)', actual: false, why: 'test' },
    ]),
  ).toBe('load: engine wants ON, relay 1 is OFF (relay test)');
  expect(
    outputDifference('charge', false, [
      { target: 'gpio relay_2/value', actual: true, why: 'dryRun' },
    ]),
  ).toBe('charge: engine wants OFF, gpio relay_2/value is ON (dry run: not driven)');
  // seen in the real gui-v2: the pre-alarm's sentence began with the internal name "preAlarm"
  expect(
    outputDifference('preAlarm', false, [
      { target: 'gpio prealarm/value', actual: true, why: 'test' },
    ]),
  ).toBe('pre-alarm: engine wants OFF, gpio prealarm/value is ON (relay test)');
});
