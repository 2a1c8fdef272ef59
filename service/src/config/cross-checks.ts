/**
 * Rules that span several keys, which JSON Schema cannot say clearly. They run on the raw
 * document even when the schema already failed, so one `check-config` run lists everything;
 * hence every read here is defensive (the document may have any shape).
 */
import { jsonPath } from './json-text';
import { batteryServiceName, type Problem } from './problem';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function field(o: unknown, key: string): unknown {
  return isObj(o) && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}
function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/**
 * What each board has, by the numbers printed on it. Cerbo GX: 2 relays, 4 digital inputs
 * (Victron manual, /etc/venus/gpio_list). Ekrano GX: 2 relays; 2 digital inputs is an
 * assumption from the product sheet, not verified against the Ekrano gpio_list.
 */
interface BoardLimits {
  label: string;
  relays: number;
  inputs: number;
}

export const BOARD_LIMITS: Record<string, BoardLimits> = {
  'cerbo-gx': { label: 'a Cerbo GX', relays: 2, inputs: 4 },
  'ekrano-gx': { label: 'an Ekrano GX', relays: 2, inputs: 2 },
  simulated: { label: 'the simulated board', relays: 8, inputs: 8 },
};

const OUTPUTS = ['load', 'charge', 'preAlarm'] as const;

/**
 * A number above the board's count is one mistake: the board's sentence says it better than
 * the schema's `maximum` (which is the largest board's count), so that one is not reported.
 */
const BOARD_LIMIT_REPLACES = ['maximum'] as const;
/** A service name refused for what it names explains it better than the name's pattern. */
const SERVICE_NAME_REPLACES = ['pattern'] as const;

/** `no relays`, `relay 1`, `relays 1 and 2`, `digital inputs 1 to 4`. */
function numbered(noun: string, count: number): string {
  if (count < 1) return `no ${noun}s`;
  if (count === 1) return `${noun} 1`;
  return `${noun}s 1 ${count === 2 ? 'and' : 'to'} ${count}`;
}

function checkLines(doc: Obj, limits: BoardLimits | undefined, out: Problem[]): void {
  const lines = field(doc, 'lines');
  if (lines === undefined || isObj(lines)) {
    if (
      field(lines, 'dischargeAllowed') === undefined &&
      field(lines, 'chargeAllowed') === undefined
    ) {
      out.push({
        path: '$.lines',
        message:
          'wire at least one of dischargeAllowed and chargeAllowed: without them there is nothing to protect',
      });
    }
  }
  if (!isObj(lines)) return;
  const inputUsers = new Map<number, string>();
  const pathUsers = new Map<string, string>();
  for (const role of Object.keys(lines)) {
    const source = field(field(lines, role), 'source');
    const at = jsonPath(['lines', role, 'source']);
    const type = field(source, 'type');
    const input = field(source, 'input');
    const path = field(source, 'path');
    if (type === 'gpio') {
      if (input === undefined && path === undefined) {
        out.push({
          path: at,
          message: 'a gpio source needs "input" (a digital input number) or "path"',
        });
      } else if (input !== undefined && path !== undefined) {
        out.push({ path: at, message: 'a gpio source takes "input" or "path", not both' });
      }
      if (typeof path === 'string') {
        const other = pathUsers.get(path);
        if (other)
          out.push({ path: `${at}.path`, message: `"${path}" is already read by ${other}` });
        else pathUsers.set(path, `${at}.path`);
      }
    }
    if ((type === 'gpio' || type === 'digitalinput') && isInt(input)) {
      if (limits && input > limits.inputs) {
        out.push({
          path: `${at}.input`,
          message: `${limits.label} has ${numbered('digital input', limits.inputs)}; got ${input}`,
          replaces: BOARD_LIMIT_REPLACES,
        });
      }
      const other = inputUsers.get(input);
      if (other) {
        out.push({
          path: `${at}.input`,
          message: `digital input ${input} is already used by ${other}: one input cannot be two lines`,
        });
      } else inputUsers.set(input, `$.lines.${role}`);
    }
    if (type === 'dbus') {
      const service = field(source, 'service');
      const own = batteryServiceName(typeof doc.name === 'string' ? doc.name : 'Default');
      if (service === own) {
        out.push({
          path: `${at}.service`,
          message: `${own} is this service itself: a line cannot follow its own output (a loop)`,
          replaces: SERVICE_NAME_REPLACES,
        });
      }
    }
  }
}

/** Identity of a physical target, so two outputs cannot fight over it. */
function targetIdentity(output: string, target: Obj): string | null {
  switch (target.type) {
    case 'relay':
      return isInt(target.relay) ? `relay ${target.relay}` : null;
    case 'switch':
      return `switch ${String(target.service)} channel ${String(target.channel)}`;
    case 'gpio':
      return `gpio ${String(target.path)}`;
    case 'device':
      return `device ${String(target.service)} ${String(target.path ?? '/Mode')}`;
    case 'buzzer':
      return 'the buzzer';
    case 'dvcc':
      // Load and charge drive different DVCC limits (DCL, CCL): only a repeat is a conflict.
      return `dvcc of ${output}`;
    default:
      return null;
  }
}

function checkOutputs(doc: Obj, limits: BoardLimits | undefined, out: Problem[]): void {
  const outputs = field(doc, 'outputs');
  // A config that disconnects nothing protects nothing: refused, not warned (a pre-alarm
  // alone only warns). A wrong shape of `outputs` is the schema's problem.
  if (outputs === undefined || isObj(outputs)) {
    const targets = (name: string): unknown => field(outputs, name);
    const empty = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.length === 0);
    if (empty(targets('load')) && empty(targets('charge'))) {
      out.push({
        path: '$.outputs',
        message:
          'give a load or a charge target (or both): without one nothing is disconnected when the BMS says so (a preAlarm output alone only warns)',
      });
    }
  }
  const users = new Map<string, string>();
  const intermittent = field(field(doc, 'tunables'), 'preAlarmMode') === 'intermittent';
  for (const output of OUTPUTS) {
    const targets = field(outputs, output);
    if (!Array.isArray(targets)) continue;
    targets.forEach((target: unknown, i) => {
      if (!isObj(target)) return;
      const at = jsonPath(['outputs', output, i]);
      if (target.type === 'buzzer' && output !== 'preAlarm') {
        out.push({ path: at, message: 'the buzzer can only be a preAlarm target' });
      }
      if (target.type === 'dvcc' && output === 'preAlarm') {
        out.push({ path: at, message: 'dvcc can only be a load or charge target' });
      }
      if (
        limits &&
        target.type === 'relay' &&
        isInt(target.relay) &&
        target.relay > limits.relays
      ) {
        out.push({
          path: `${at}.relay`,
          message: `${limits.label} has ${numbered('relay', limits.relays)}; got ${target.relay}`,
          replaces: BOARD_LIMIT_REPLACES,
        });
      }
      if (target.type === 'relay' && output === 'preAlarm' && intermittent) {
        out.push({
          path: at,
          message:
            'intermittent pre-alarm (tunables.preAlarmMode) cannot drive a relay: relays must not chatter; use continuous mode or a buzzer/gpio target',
        });
      }
      const identity = targetIdentity(output, target);
      if (identity === null) return;
      const other = users.get(identity);
      if (other) {
        const twice = other.startsWith(`$.outputs.${output}[`);
        out.push({
          path: at,
          message: twice
            ? `${identity} is listed twice in outputs.${output} (also ${other})`
            : `${identity} is already driven by ${other}: one target cannot serve two outputs`,
        });
      } else users.set(identity, at);
    });
  }
}

function checkBatteryMonitor(doc: Obj, out: Problem[]): void {
  const service = field(field(doc, 'batteryMonitor'), 'service');
  if (typeof service !== 'string') return;
  const own = batteryServiceName(typeof doc.name === 'string' ? doc.name : 'Default');
  if (service === 'com.victronenergy.system' || service.startsWith('com.victronenergy.system.')) {
    out.push({
      path: '$.batteryMonitor.service',
      message:
        'must not be com.victronenergy.system: the system service may select this very battery service, a loop; name the monitor itself (e.g. com.victronenergy.battery.ttyS5)',
      replaces: SERVICE_NAME_REPLACES,
    });
  } else if (service === own) {
    out.push({
      path: '$.batteryMonitor.service',
      message: `${own} is this service itself; name the real battery monitor (e.g. com.victronenergy.battery.ttyS5)`,
      replaces: SERVICE_NAME_REPLACES,
    });
  }
}

/** Every cross-field problem of a (possibly schema-invalid) document. */
export function crossCheck(doc: unknown): Problem[] {
  if (!isObj(doc)) return [];
  const out: Problem[] = [];
  const board = typeof doc.board === 'string' ? doc.board : 'cerbo-gx';
  // An unknown board is the schema's problem; its limits are unknown, so none are checked.
  const limits = Object.prototype.hasOwnProperty.call(BOARD_LIMITS, board)
    ? BOARD_LIMITS[board]
    : undefined;
  checkLines(doc, limits, out);
  checkOutputs(doc, limits, out);
  checkBatteryMonitor(doc, out);
  return out;
}
