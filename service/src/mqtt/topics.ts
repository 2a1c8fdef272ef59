/**
 * Topic names and payload shapes of our own MQTT client (contract.md, "MQTT topics of our
 * own client"). The names are part of the outside contract: change them only with a
 * changelog entry.
 */
import { formatEvent, type HistoryEvent, type StatusSnapshot } from '../status';
import { isoLocal, type Zone } from '../local-time';

export interface BridgeIds {
  /** GX portal id (`/data/venus/unique-id`). */
  portalId: string;
  /** Bank name (`Default` for the first bank). */
  bankName: string;
  /** Our D-Bus service name. */
  serviceName: string;
  /** Our software version (HA device sw_version, origin). */
  version: string;
}

export interface BridgeTopics {
  prefix: string;
  availability: string;
  state: string;
  event: string;
  command: string;
  commandResult: string;
}

/** `{portalId}` in the configured prefix is replaced; a trailing `/` is dropped. */
export function resolvePrefix(prefix: string, portalId: string): string {
  return prefix.split('{portalId}').join(portalId).replace(/\/+$/, '');
}

export function bridgeTopics(prefix: string, portalId: string): BridgeTopics {
  const p = resolvePrefix(prefix, portalId);
  return {
    prefix: p,
    availability: `${p}/availability`,
    state: `${p}/state`,
    event: `${p}/event`,
    command: `${p}/set`,
    // Our own design, not in the contract table: the reply to each command on `<prefix>/set`.
    commandResult: `${p}/set/result`,
  };
}

export const AVAILABLE = 'online';
export const NOT_AVAILABLE = 'offline';

/** Lower-case `[a-z0-9_]` only: HA node/object ids and entity ids allow no more. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return s === '' ? 'x' : s;
}

/**
 * The `<prefix>/state` payload. The snapshot is plain data already; we pick the fields
 * explicitly so that a field added to StatusSnapshot for internal use does not silently
 * become part of the published contract. No timestamp: the payload only changes when the
 * battery system's picture changes, which is what makes "publish on change" work.
 */
export function stateMessage(s: StatusSnapshot): string {
  return JSON.stringify({
    service: s.service,
    name: s.name,
    state: s.state,
    stateCode: s.stateCode,
    mode: s.mode,
    dryRun: s.dryRun,
    outputs: s.outputs,
    lines: s.lines,
    alarms: s.alarms,
    countdowns: s.countdowns,
    chargeDetected: s.chargeDetected,
    soc: s.soc,
    voltage: s.voltage,
    current: s.current,
    notes: s.notes,
    lastEvent: s.lastEvent,
    actual: s.actual,
    outputNotes: s.outputNotes,
    tests: s.tests,
  });
}

/**
 * The `<prefix>/event` payload: the history record as is (seq, wallTime in UTC, kind, ...),
 * plus `localTime` (ISO 8601 with the GX zone's offset) and `text` (the line people read,
 * as /Bms/LastEvent and `smallbms events` show it).
 */
export function eventMessage(e: HistoryEvent, zone?: Zone): string {
  if (!zone) return JSON.stringify(e);
  const ms = Date.parse(e.wallTime);
  return JSON.stringify({
    ...e,
    localTime: Number.isFinite(ms) ? isoLocal(ms, zone) : e.wallTime,
    text: formatEvent(e, zone),
  });
}
