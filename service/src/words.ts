/**
 * The one vocabulary for people: states, lines, outputs, alarms, commissioning and event
 * sentences in plain words. Used by the CLI (`status`, `events`), /Bms/LastEvent,
 * /Bms/Notes, the /Bms/Actual text paths the console page shows, and the MQTT event `text`
 * (Home Assistant). The machine-readable fields (kind, name, from, to, state names in JSON and
 * MQTT) keep their own names; only what people read is worded here.
 *
 * The engine's reasons (core/events.ts, core/engine.ts, core/lines.ts) are short technical
 * phrases; `plainReason` words the known ones when an event is shown, so the history file
 * keeps what the engine said and old histories read the same way.
 */
import type { AlarmName, BmsState, LineRole, OutputName } from './core/types';

export const STATE_WORDS: Record<BmsState, string> = {
  STARTING: 'Starting',
  NORMAL: 'Normal',
  PRE_ALARM: 'Pre-alarm',
  LOADS_OFF_UV: 'Loads off (cell under-voltage)',
  LOADS_OFF_SOC: 'Loads off (low SoC)',
  REMOTE_OFF: 'Remote off',
  FAULT: 'Fault',
};

export const OUTPUT_WORDS: Record<OutputName, string> = {
  load: 'Load output',
  charge: 'Charge output',
  preAlarm: 'Pre-alarm output',
};

export const LINE_WORDS: Record<LineRole, string> = {
  dischargeAllowed: 'allowed-to-discharge',
  chargeAllowed: 'allowed-to-charge',
  preAlarm: 'pre-alarm',
  remote: 'remote on/off',
  cellOverVoltage: 'cell over-voltage',
  highTemperature: 'high temperature',
  lowTemperature: 'low temperature',
};

export const ALARM_WORDS: Record<AlarmName, string> = {
  lowCellVoltage: 'Low cell voltage',
  lowSoc: 'Low SoC',
  bmsCable: 'BMS cable',
  highCellVoltage: 'High cell voltage',
  highTemperature: 'High temperature',
  lowChargeTemperature: 'Low charge temperature',
};

const ALARM_LEVEL_WORDS = ['cleared', 'warning', 'alarm'];

export function stateWords(state: string): string {
  return STATE_WORDS[state as BmsState] ?? state;
}

export function alarmLevelWords(level: unknown): string {
  return typeof level === 'number' ? (ALARM_LEVEL_WORDS[level] ?? String(level)) : 'not known';
}

/** "Low cell voltage: warning". */
export function alarmWords(name: string, level: unknown): string {
  return `${ALARM_WORDS[name as AlarmName] ?? name}: ${alarmLevelWords(level)}`;
}

const onOff = (on: unknown): string => (on === true ? 'ON' : on === false ? 'OFF' : 'unknown');

/**
 * Known engine phrases in plain words (first match of each pattern, applied in order). The
 * phrases are the engine's (core/events.ts, engine.ts, lines.ts, the targets' events).
 */
const PHRASES: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  [/\bpre-alarm line asserted\b/g, 'the BMS raised its pre-alarm'],
  [/\bpre-alarm line released\b/g, 'the BMS released its pre-alarm'],
  [
    /\ballowed-to-discharge released \(cell under-voltage\)/g,
    'the BMS withdrew allowed-to-discharge (cell under-voltage)',
  ],
  [
    /\bpre-alarm lead of (\d+(?:\.\d+)?) s elapsed\b/g,
    (_m, s) => `the ${s} s pre-alarm warning time is over`,
  ],
  [
    /\bstate (STARTING|NORMAL|PRE_ALARM|LOADS_OFF_UV|LOADS_OFF_SOC|REMOTE_OFF|FAULT)\b/g,
    (_m, s) => stateWords(s),
  ],
  [
    /\bline (\w+) (asserted|released|unhealthy|unknown|not wired)\b/g,
    (_m, r, st) => `${LINE_WORDS[r as LineRole] ?? r} line ${st}`,
  ],
  // "remote off (why, why)": the whys alone say it ("Normal → Remote off: the remote on/off
  // switch is off"); "remote on" (leaving REMOTE_OFF, whoever switched it), not "remote on/off".
  [/\bremote off \(([^)]*)\)/g, (_m, why) => why],
  [/\bremote on(?![\w/])/g, 'remote on again'],
  [/\bremote line released\b/g, 'the remote on/off switch is off'],
  [/\bsoftware \/Mode standby\b/g, 'standby set in the console, VRM or MQTT'],
  [/\bcharging blocked\b/g, 'charging not allowed'],
  [/\bcharge rule met\b/g, 'charging allowed'],
  [/\bevery wired line read\b/g, 'every BMS line has been read'],
  [/\bpre-alarm causes cleared\b/g, 'nothing calls for the pre-alarm any more'],
  [/\brequired lines healthy again\b/g, 'the BMS lines read well again'],
  // Commissioning: who asked is the console, the CLI or MQTT (all through this path), and a
  // relay is "relay 1" for people, not its systemcalc path.
  [
    /\bset to (\S+) by someone else while (\w+) is (on|off): restored\b/g,
    (_m, raw, output, level) => {
      // A relay's 0/1 is OFF/ON; any other raw level (a device /Mode) is shown as it is.
      const relay = raw === '0' || raw === '1';
      const set = relay ? `switched ${raw === '1' ? 'ON' : 'OFF'}` : `set to ${raw}`;
      const should = `the ${outputWord(output)} output should be ${level.toUpperCase()}`;
      return `${set} by someone else while ${should}: ${relay ? 'switched back' : 'put back'}`;
    },
  ],
  [/^D-Bus \/Bms\/TestOutput: (?:test ended, )?/, ''],
  [/^not driven \(.*\bonly in dry run\b.*\)$/, 'relay tests work only in dry run'],
  [/\b(relay \d+) \(com\.victronenergy\.system \/Relay\/\d+\/State\)/g, '$1'],
  [
    /\bset by D-Bus \/Bms\/DryRun(?: \(console, smallbms dry-run or MQTT\))?/g,
    'set in the console, with smallbms dry-run or over MQTT',
  ],
];

/** An engine reason in plain words (unknown phrases pass unchanged). */
export function plainReason(reason: string): string {
  let out = reason;
  for (const [re, to] of PHRASES) {
    out = out.replace(re, to as never);
  }
  return out;
}

/** What an event is about, for the sentences (the machine fields of a history event). */
export interface EventFields {
  kind: string;
  name: string;
  from: string | number | boolean | null;
  to: string | number | boolean | null;
  reason: string;
}

/**
 * What changed, in words: `Normal → Pre-alarm`, `Load output OFF`, `Low cell voltage:
 * warning`, `Dry run on`, `Relay test: load output forced OFF`.
 */
export function eventWhatWords(e: EventFields): string {
  switch (e.kind) {
    case 'state':
      return `${e.from === null ? '' : `${stateWords(String(e.from))} → `}${stateWords(String(e.to))}`;
    case 'output':
      return `${OUTPUT_WORDS[e.name as OutputName] ?? e.name} ${onOff(e.to)}`;
    case 'alarm':
      return alarmWords(e.name, e.to);
    case 'control': {
      if (e.name === 'dryRun') return `Dry run ${e.to === true ? 'on' : 'off'}`;
      const output = e.name.replace(/^test-output /, '') as OutputName;
      const label = (OUTPUT_WORDS[output] ?? output).toLowerCase();
      // Refused (outside dry run) or failed: nothing was forced, and the words must say so.
      if (/\bonly in dry run\b/i.test(e.reason)) {
        return e.reason.includes(TEST_ENDED)
          ? `Relay test refused: ${label} left as it was`
          : `Relay test refused: ${label} was not forced ${onOff(e.to)}`;
      }
      if (/: not driven \(/.test(e.reason)) {
        return e.reason.includes(TEST_ENDED)
          ? `Relay test ended: ${label} could not be driven back`
          : `Relay test: ${label} could not be forced ${onOff(e.to)}`;
      }
      if (e.reason.includes(TEST_ENDED)) return `Relay test ended: ${label} back ${onOff(e.to)}`;
      return `Relay test: ${label} forced ${onOff(e.to)}`;
    }
    case 'target': {
      // name: "<output>: <target>"; a status change (ok/refused/error) says from → to.
      const i = e.name.indexOf(': ');
      const output = e.name.slice(0, i) as OutputName;
      const what =
        i < 0
          ? `Target ${e.name}`
          : `${OUTPUT_WORDS[output] ?? output}, ${shortTarget(e.name.slice(i + 2))}`;
      const status = (v: EventFields['to']): boolean => v === null || typeof v === 'string';
      if (typeof e.to === 'string' && status(e.from)) return `${what} ${e.from ?? '-'} → ${e.to}`;
      return what;
    }
    default:
      return `${e.kind} ${e.name}`;
  }
}

/**
 * "Normal → Pre-alarm: the BMS raised its pre-alarm"; "Low cell voltage: warning (the BMS
 * raised its pre-alarm)" (the reason in brackets when the what has its own colon).
 */
export function eventSentence(e: EventFields): string {
  const reason = plainReason(e.reason);
  const what = eventWhatWords(e);
  if (reason === '') return what;
  return what.includes(':') ? `${what} (${reason})` : `${what}: ${reason}`;
}

/** Marks a test-output event that ended a test (the reason carries it). */
export const TEST_ENDED = 'test ended';

/** Why a relay test is refused outside dry run, as the console and the CLI say it. */
export const TEST_ONLY_IN_DRY_RUN = 'Only in dry run — turn on dry run first';

/** `load`, `charge`, `pre-alarm`: an output in a list, as `smallbms status` shows them. */
export function outputWord(output: string): string {
  const label = OUTPUT_WORDS[output as OutputName];
  return label ? label.replace(/ output$/, '').toLowerCase() : output;
}

/** A refused relay test, as /Bms/TestOutput/Result and `smallbms test-output` say it. */
export const TEST_REFUSED =
  "Refused: only in dry run — turn on dry run first (smallbms dry-run on, or the console's Dry run)";

const WHY_WORDS = {
  test: 'relay test',
  dryRun: 'dry run: not driven',
  notDriven: 'cannot be driven',
  writing: 'being switched',
  overridden: 'changed by someone else, being put back',
} as const;

/** One target's level that differs from what the engine wants, for the sentence. */
export interface TargetDifference {
  /** The target as the driver describes it ("relay 1 (com.victronenergy.system ...)"). */
  target: string;
  actual: boolean | null;
  why: keyof typeof WHY_WORDS;
}

/** "relay 1" out of "relay 1 (com.victronenergy.system /Relay/0/State)". */
export function shortTarget(described: string): string {
  const i = described.indexOf(' (');
  return i > 0 ? described.slice(0, i) : described;
}

/**
 * `load: engine wants ON, relay 1 is OFF (relay test)`; "" when every target has the wish.
 * The output in words (`load`, `charge`, `pre-alarm`), never its internal name.
 * `wish`: the engine's logical output (the pre-alarm's blinking aside).
 */
export function outputDifference(
  output: OutputName,
  wish: boolean,
  diffs: TargetDifference[],
): string {
  if (diffs.length === 0) return '';
  const parts = diffs.map(
    (d) => `${shortTarget(d.target)} is ${onOff(d.actual)} (${WHY_WORDS[d.why]})`,
  );
  const word = outputWord(output);
  return `${word}: engine wants ${onOff(wish)}, ${parts.join(', ')}`;
}
