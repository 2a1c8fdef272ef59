/**
 * The demo's scripted story: a night on a boat, in simulated seconds. Each step acts on the
 * simulated GX (board inputs, battery monitor) the way the battery and the charger would,
 * and says what the service should do; the demo checks that it did.
 *
 * Inputs on the simulated Cerbo: 1 = allowed-to-discharge, 2 = allowed-to-charge,
 * 3 = pre-alarm, 4 = remote. Closed contact (0) = asserted.
 */
import type { BmsState } from '../core/types';
import type { SimGx } from '../sim/gx';

export interface StoryStep {
  /** Simulated seconds from the start. */
  at: number;
  title: string;
  act: (gx: SimGx) => void;
  /** The state the service must be in just before the next step (checked then). */
  expect?: BmsState;
  /**
   * Every event the service may record between this step and the next, as the timeline
   * words it (`eventWhat`). Any other event, at any time, fails the demo.
   */
  events: readonly string[];
  /** The step needs the battery monitor on D-Bus (skipped without dbus-daemon). */
  needsDbus?: boolean;
}

const battery =
  (soc: number, voltage: number, current: number) =>
  (gx: SimGx): void =>
    gx.battery?.reading({ soc, voltage, current });

/** What the service records while it starts, before the first step. */
export const START_EVENTS: readonly string[] = [
  'state STARTING → NORMAL',
  'load output on',
  'charge output on',
];

export const STORY: readonly StoryStep[] = [
  {
    at: 0,
    title: 'evening: fridge and lights on the battery (SoC 80 %, -8 A)',
    act: battery(80, 13.1, -8),
    expect: 'NORMAL',
    events: [],
  },
  {
    at: 20,
    title: "the battery's BMS raises its pre-alarm (a cell is getting low)",
    act: (gx) => gx.board.setInput(3, 0),
    expect: 'PRE_ALARM',
    events: ['state NORMAL → PRE_ALARM', 'preAlarm output on', 'alarm lowCellVoltage 0 → 1'],
  },
  {
    at: 25,
    title: 'the BMS drops allowed-to-discharge (cell under-voltage)',
    act: (gx) => gx.board.setInput(1, 1),
    // Loads go off 30 s after the pre-alarm output came on (t = 50), not at once.
    expect: 'LOADS_OFF_UV',
    events: [
      'state PRE_ALARM → LOADS_OFF_UV',
      'load output off',
      'preAlarm output off',
      'alarm lowCellVoltage 1 → 2',
    ],
  },
  {
    at: 60,
    title: 'morning: the solar charger starts (+20 A, 13.8 V)',
    act: battery(78, 13.8, 20),
    needsDbus: true,
    events: [],
  },
  {
    at: 80,
    title: 'cells recover: the BMS allows discharge again and clears its pre-alarm',
    act: (gx) => {
      gx.board.setInput(1, 0);
      gx.board.setInput(3, 1);
    },
    expect: 'NORMAL',
    events: [
      // Two contacts change together: the service reads them in one poll (one state
      // change), or, if a poll falls between the two writes, one poll apart: then PRE_ALARM
      // lasts one poll and moves no output (the outputs follow a state once it has held 1 s).
      'state LOADS_OFF_UV → NORMAL',
      'state LOADS_OFF_UV → PRE_ALARM',
      'state PRE_ALARM → NORMAL',
      'load output on',
      'alarm lowCellVoltage 2 → 1',
      'alarm lowCellVoltage 1 → 0',
      'alarm lowCellVoltage 2 → 0',
    ],
  },
  {
    at: 110,
    title: 'cloudy days: SoC falls to 15 % (low-SoC warning, pre-alarm output on)',
    act: battery(15, 12.9, -10),
    expect: 'PRE_ALARM',
    events: ['state NORMAL → PRE_ALARM', 'preAlarm output on', 'alarm lowSoc 0 → 1'],
    needsDbus: true,
  },
  {
    at: 130,
    title: 'SoC reaches the 10 % discharge floor: low-SoC alarm, 5-minute countdown',
    act: battery(10, 12.8, -10),
    expect: 'PRE_ALARM',
    events: ['alarm lowSoc 1 → 2'],
    needsDbus: true,
  },
  {
    at: 200,
    title: 'a passing cloud gap: +5 A of charge for 20 s stops and resets the countdown',
    act: battery(10, 13.4, 5),
    expect: 'PRE_ALARM',
    events: [],
    needsDbus: true,
  },
  {
    at: 220,
    title: 'clouds again: no charge, the 5-minute countdown starts over',
    act: battery(10, 12.8, -10),
    // 300 s later (t = 520) the loads go off at the floor.
    expect: 'LOADS_OFF_SOC',
    events: ['state PRE_ALARM → LOADS_OFF_SOC', 'load output off', 'preAlarm output off'],
    needsDbus: true,
  },
  {
    at: 540,
    title: 'after 5 minutes without charge the loads went off at the floor; a charger starts',
    act: battery(11, 13.9, 30),
    expect: 'LOADS_OFF_SOC',
    events: [],
    needsDbus: true,
  },
  {
    at: 570,
    title: 'SoC back to 13 % (floor + 3 % hysteresis): loads come back',
    act: battery(13, 13.9, 30),
    expect: 'PRE_ALARM',
    events: [
      'state LOADS_OFF_SOC → PRE_ALARM',
      'load output on',
      'preAlarm output on',
      'alarm lowSoc 2 → 1',
    ],
    needsDbus: true,
  },
  {
    at: 590,
    title: 'SoC 25 %: warning cleared',
    act: battery(25, 13.6, 15),
    expect: 'NORMAL',
    events: ['state PRE_ALARM → NORMAL', 'preAlarm output off', 'alarm lowSoc 1 → 0'],
    needsDbus: true,
  },
  {
    at: 610,
    title: 'the skipper turns the remote switch off (leaving the boat)',
    act: (gx) => gx.board.setInput(4, 1),
    expect: 'REMOTE_OFF',
    events: ['state NORMAL → REMOTE_OFF', 'load output off', 'charge output off'],
  },
  {
    at: 630,
    title: 'remote switch on again',
    act: (gx) => gx.board.setInput(4, 0),
    expect: 'NORMAL',
    events: ['state REMOTE_OFF → NORMAL', 'load output on', 'charge output on'],
  },
  {
    at: 650,
    title:
      'a broken wire: the allowed-to-discharge contact opens (fail-safe wiring: "not allowed")',
    // Closed contact = allowed: a broken wire reads as the BMS disallowing discharge, never
    // as a reading problem. Pre-alarm at once, loads off after the 30 s lead (t = 680).
    act: (gx) => gx.board.setInput(1, 1),
    expect: 'LOADS_OFF_UV',
    events: [
      'state NORMAL → PRE_ALARM',
      'preAlarm output on',
      'alarm lowCellVoltage 0 → 1',
      'state PRE_ALARM → LOADS_OFF_UV',
      'load output off',
      'preAlarm output off',
      'alarm lowCellVoltage 1 → 2',
    ],
  },
  {
    at: 700,
    title: 'wire repaired: discharge allowed again',
    act: (gx) => gx.board.setInput(1, 0),
    expect: 'NORMAL',
    events: ['state LOADS_OFF_UV → NORMAL', 'load output on', 'alarm lowCellVoltage 2 → 0'],
  },
  {
    at: 720,
    title: 'a reader fault: the allowed-to-charge input cannot be read (its file is gone)',
    // Not a level but no reading at all: FAULT, loads and chargers off at once.
    act: (gx) => gx.board.removeInput(2),
    expect: 'FAULT',
    events: [
      'state NORMAL → FAULT',
      'load output off',
      'charge output off',
      'preAlarm output on',
      'alarm bmsCable 0 → 2',
    ],
  },
  {
    at: 740,
    title: 'the input can be read again',
    act: (gx) => gx.board.restoreInput(2, 0),
    expect: 'NORMAL',
    events: [
      'state FAULT → NORMAL',
      'load output on',
      'charge output on',
      'preAlarm output off',
      'alarm bmsCable 2 → 0',
    ],
  },
  { at: 760, title: 'end of the story', act: () => undefined, events: [] },
];
