/**
 * Reading events.jsonl back. After a kill -9 or a power cut the last line may be cut short,
 * or (on some file systems) padded with NUL bytes; a line may also be damaged by hand
 * editing. Such lines are skipped and counted, never fatal: the history is a record for
 * people, and losing one line must not stop the protection service.
 *
 * A line of a later release (after a rollback to this one) may carry an event kind, a line
 * status or a field type this release does not know. When its frame is intact (a JSON object
 * with an increasing `seq`, a number `t`, a string `kind` and `wallTime`) it is skipped and
 * counted as *newer*, not as corrupted: its seq is still never reused, and it alone does not
 * make the history rewrite the file (so an update back to the later release finds it again).
 */
import type { HistoryEvent } from '../status';

const KINDS = new Set(['state', 'output', 'alarm', 'target', 'control']);
const LINE_STATUSES = new Set(['asserted', 'released', 'unknown', 'unhealthy']);

function isScalar(v: unknown): boolean {
  return (
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v))
  );
}

/** A shape check of what we wrote ourselves: enough that consumers can trust the fields. */
export function isHistoryEvent(v: unknown): v is HistoryEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return false;
  if (typeof e.t !== 'number' || !Number.isFinite(e.t)) return false;
  if (typeof e.kind !== 'string' || !KINDS.has(e.kind)) return false;
  if (typeof e.name !== 'string' || typeof e.reason !== 'string') return false;
  if (typeof e.wallTime !== 'string' || !isScalar(e.from) || !isScalar(e.to)) return false;
  if (typeof e.lines !== 'object' || e.lines === null || Array.isArray(e.lines)) return false;
  return Object.values(e.lines).every((s) => typeof s === 'string' && LINE_STATUSES.has(s));
}

export interface ParsedEvents {
  /** Valid events in increasing seq order. */
  events: HistoryEvent[];
  /** Lines skipped: unparsable, no event frame, or out of sequence. */
  corrupted: number;
  /** Lines skipped with an intact frame but a content this release does not know. */
  newer: number;
  /** Non-empty lines in the text, good or bad (the file's length for compaction). */
  lines: number;
  /** The highest seq seen, counting damaged lines that still start with `{"seq":N`. */
  highestSeq: number;
}

/** Lines are written with seq first, so even a truncated line usually names its seq. */
function seqOfDamagedLine(raw: string): number {
  const m = /^\{"seq":(\d{1,15})[,}]/.exec(raw);
  return m ? Number(m[1]) : 0;
}

/** The frame every release writes: seq, t, kind and wallTime (what a later release keeps). */
function hasEventFrame(v: unknown): v is { seq: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(e.seq) &&
    (e.seq as number) >= 1 &&
    typeof e.t === 'number' &&
    Number.isFinite(e.t) &&
    typeof e.kind === 'string' &&
    typeof e.wallTime === 'string'
  );
}

export function parseEventLines(text: string): ParsedEvents {
  const events: HistoryEvent[] = [];
  let corrupted = 0;
  let newer = 0;
  let lines = 0;
  let lastSeq = 0;
  let highestSeq = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim().length === 0) continue;
    lines++;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      corrupted++;
      highestSeq = Math.max(highestSeq, seqOfDamagedLine(raw));
      continue;
    }
    // Out-of-order seq can only come from damage; keeping seq strictly increasing keeps
    // nextSeq monotonic and `since(seq)` correct.
    if (hasEventFrame(value) && value.seq > lastSeq && !isHistoryEvent(value)) {
      newer++;
      lastSeq = value.seq;
      highestSeq = Math.max(highestSeq, value.seq);
      continue;
    }
    if (!isHistoryEvent(value) || value.seq <= lastSeq) {
      corrupted++;
      highestSeq = Math.max(highestSeq, seqOfDamagedLine(raw));
      continue;
    }
    lastSeq = value.seq;
    highestSeq = Math.max(highestSeq, value.seq);
    events.push(value);
  }
  return { events, corrupted, newer, lines, highestSeq };
}
