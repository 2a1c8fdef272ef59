/**
 * The `<prefix>/set` command validator. Pure: the bridge feeds it the raw MQTT payload and
 * the retain flag, and acts only on `ok: true`. Anything that reaches a battery system's
 * on/off switch from the network must be unambiguous, so the accepted language is tiny:
 * `{"mode":"on"}` or `{"mode":"off"}` (whitespace between tokens allowed), nothing else.
 */

export interface RemoteCommand {
  /** `off` on the wire means standby (= remote off: load and charge outputs off). */
  mode: 'on' | 'standby';
}

export type CommandParse = { ok: true; cmd: RemoteCommand } | { ok: false; error: string };

/** Larger payloads are refused before decoding: a command is a dozen bytes. */
export const MAX_COMMAND_BYTES = 1024;

// fatal: invalid UTF-8 must be refused, not silently replaced by U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(error: string): CommandParse {
  return { ok: false, error };
}

export function parseCommand(payload: Buffer, retained: boolean): CommandParse {
  // A retained command would be replayed by the broker at every (re)connect, e.g. switch a
  // battery system on at boot long after someone sent it: only live commands count.
  if (retained)
    return refuse('retained command ignored (clear it: publish an empty retained message)');
  if (payload.length === 0) return refuse('empty payload');
  if (payload.length > MAX_COMMAND_BYTES) {
    return refuse(`payload too large (${payload.length} bytes, limit ${MAX_COMMAND_BYTES})`);
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return refuse('payload is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return refuse('payload is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return refuse('payload must be a JSON object {"mode":"on"|"off"}');
  }
  const keys = Object.keys(parsed);
  const extra = keys.filter((k) => k !== 'mode');
  if (extra.length > 0) return refuse(`unexpected key(s): ${extra.slice(0, 5).join(', ')}`);
  if (keys.length === 0) return refuse('missing key "mode"');
  const mode: unknown = (parsed as { mode: unknown }).mode;
  if (typeof mode !== 'string') return refuse('"mode" must be a string');
  if (mode !== 'on' && mode !== 'off') return refuse('"mode" must be "on" or "off"');
  // JSON.parse keeps the last of duplicate keys and decodes escapes; refuse both so that
  // what a person reads in a log is exactly what was obeyed. The accepted strings contain
  // no whitespace, so removing all whitespace gives the canonical form.
  if (text.replace(/\s+/g, '') !== JSON.stringify({ mode })) {
    return refuse('duplicate keys or escaped characters are not accepted');
  }
  return { ok: true, cmd: { mode: mode === 'on' ? 'on' : 'standby' } };
}
