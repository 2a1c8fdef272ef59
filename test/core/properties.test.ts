/** Invariants of the engine over thousands of random input histories (fast-check). */
import fc from 'fast-check';
import { secondsLeft } from '../../service/src/core/engine';
import {
  CHARGE_BLOCKING_ROLES,
  OUTPUT_NAMES,
  REQUIRED_ROLES,
  type EngineInput,
  type LineRole,
} from '../../service/src/core/types';
import { Harness, T0 } from './harness';
import { historyArb, replay, replaySplit, type TraceEntry } from './history';

const RUNS = 1500;

function isGate(state: string): boolean {
  return state === 'STARTING' || state === 'REMOTE_OFF' || state === 'FAULT';
}

/** When each step's pre-alarm output went on, tracked from the outputs alone. */
function preAlarmOnTimes(trace: TraceEntry[]): (number | null)[] {
  let since: number | null = null;
  return trace.map(({ now, result }) => {
    const before = since;
    since = result.outputs.preAlarm ? (since ?? now) : null;
    return before;
  });
}

describe('engine properties (random histories)', () => {
  test('(a, g) loads never go off for UV or low SoC before the pre-alarm output has been on for the lead time', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const trace = replay(h);
        const onSince = preAlarmOnTimes(trace);
        trace.forEach(({ now, prev, result }, i) => {
          const dropped = prev.outputs.load && !result.outputs.load && !isGate(result.state);
          if (!dropped) return;
          expect(['LOADS_OFF_UV', 'LOADS_OFF_SOC']).toContain(result.state);
          const since = onSince[i];
          expect(since).not.toBeNull();
          expect(now - (since ?? now)).toBeGreaterThanOrEqual(h.params.preAlarmLeadS * 1000);
        });
      }),
      { numRuns: RUNS },
    );
  });

  test('(start) no output change before every line is read or the start-up hold expires', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const trace = replay(h, { dense: true });
        const holdEnd = trace[0].now + h.params.startupHoldS * 1000;
        for (const { now, prev, input, result } of trace) {
          const unread = Object.values(input.lines).some((s) => s === 'unknown');
          // Held exactly while STARTING, and STARTING only while a line is unread and the
          // hold runs (remote off and a broken required line decide earlier: all off).
          expect(result.held).toBe(result.state === 'STARTING');
          if (result.held) {
            expect(unread && now < holdEnd).toBe(true);
            expect(result.events.filter((e) => e.kind === 'output')).toEqual([]);
            expect(result.outputs).toEqual(prev.outputs);
          }
          if (!unread || now >= holdEnd) expect(result.held).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('(b) remote off ⇒ load and charge off', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        for (const { input, result } of replay(h)) {
          if (!input.softwareRemoteOn || input.lines.remote === 'released') {
            expect(result.state).toBe('REMOTE_OFF');
            expect(result.outputs.load).toBe(false);
            expect(result.outputs.charge).toBe(false);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('(c) discharge-side events (ATD, SoC) never block charging', () => {
    const noDischargeEvents = (i: EngineInput): EngineInput => ({
      ...i,
      soc: 100,
      lines:
        i.lines.dischargeAllowed === 'released'
          ? { ...i.lines, dischargeAllowed: 'asserted' }
          : i.lines,
    });
    const chargeEvents = (trace: TraceEntry[]): [number, unknown][] =>
      trace.flatMap(({ result }) =>
        result.events.filter((e) => e.name === 'charge').map((e): [number, unknown] => [e.t, e.to]),
      );
    fc.assert(
      fc.property(historyArb, (h) => {
        const real = replay(h);
        const clean = replay(h, { transform: noDischargeEvents });
        const atInputs = (t: TraceEntry[]): boolean[] =>
          t.filter((e) => e.atInput).map((e) => e.result.outputs.charge);
        expect(atInputs(real)).toEqual(atInputs(clean));
        expect(chargeEvents(real)).toEqual(chargeEvents(clean));
      }),
      { numRuns: RUNS },
    );
  });

  test('(d) an unhealthy required line ⇒ load and charge off', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        for (const { input, result } of replay(h)) {
          if (REQUIRED_ROLES.some((r) => input.lines[r] === 'unhealthy')) {
            expect(result.outputs.load).toBe(false);
            expect(result.outputs.charge).toBe(false);
            expect(result.alarms.bmsCable).toBe(2);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('(e) results do not depend on how often step is called between input changes', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const sparse = replay(h);
        const dense = replay(h, { dense: true });
        const events = (t: TraceEntry[]): unknown[] => t.flatMap((e) => e.result.events);
        expect(events(dense)).toEqual(events(sparse));
        const atInputs = (t: TraceEntry[]): unknown[] =>
          t.filter((e) => e.atInput).map((e) => ({ ...e.result, countdowns: null, notes: null }));
        expect(atInputs(dense)).toEqual(atInputs(sparse));
      }),
      { numRuns: RUNS },
    );
  });

  test('(f) an output never turns on within the minimum off time of turning off', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const offAt = { load: -Infinity, charge: -Infinity };
        for (const { now, prev, result } of replay(h)) {
          for (const name of ['load', 'charge'] as const) {
            const was = prev.outputs[name];
            const is = result.outputs[name];
            if (was && !is) offAt[name] = now;
            if (!was && is) {
              expect(now - offAt[name]).toBeGreaterThanOrEqual(h.params.minOffTimeS * 1000);
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('the pre-alarm output follows the outputs table in every state', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        for (const { now, prev, result } of replay(h)) {
          const { state, outputs } = result;
          // STARTING: held, the outputs stay as they were (checked in "(start)").
          if (state === 'STARTING') {
            expect(outputs).toEqual(prev.outputs);
            continue;
          }
          // Until the state has held the settle time, the outputs that wait for it keep
          // their level; load and charge off never wait.
          const { settleAt } = result.memory;
          if (settleAt !== null) {
            expect(settleAt).toBeGreaterThan(now);
            expect(result.nextDeadline).not.toBeNull();
            continue;
          }
          if (state === 'PRE_ALARM' || state === 'FAULT') expect(outputs.preAlarm).toBe(true);
          if (state === 'NORMAL' || state === 'REMOTE_OFF') expect(outputs.preAlarm).toBe(false);
          if (state === 'LOADS_OFF_UV' || state === 'LOADS_OFF_SOC') {
            expect(outputs.load).toBe(false);
            expect(outputs.preAlarm).toBe(h.params.preAlarmAfterDisconnect);
          }
          if (isGate(state)) expect(outputs.charge).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('(h) no output changes twice within the settle time for one input change, even when its lines arrive one at a time', () => {
    // The charge rule follows its own lines (ATC, the blocking lines) at once: a change that
    // one of them made is the line's, not a transient state's.
    const chargeLines: readonly LineRole[] = ['chargeAllowed', ...CHARGE_BLOCKING_ROLES];
    fc.assert(
      fc.property(historyArb, (h) => {
        const trace = replaySplit(h);
        const settleMs = Math.round(h.params.settleS * 1000);
        for (const name of OUTPUT_NAMES) {
          let last: number | null = null;
          trace.forEach((e, i) => {
            // Leaving STARTING is the first decision (the targets were held), not a change.
            if (e.prev.state === 'STARTING') return;
            if (e.prev.outputs[name] === e.result.outputs[name]) return;
            if (last !== null && e.now - trace[last].now < settleMs) {
              const span = trace.slice(last, i + 1);
              // Another input change came in between: an arrival after a change made at a
              // deadline, or one of another history step than the arrival that made it.
              const from = trace[last];
              const newChange = span
                .slice(1)
                .some((b) => b.atInput && (!from.atInput || b.change !== from.change));
              const ownLine =
                name === 'charge' &&
                span.some((b) => b.arrived.some((r) => chargeLines.includes(r)));
              if (!newChange && !ownLine) {
                const at = (j: number): string =>
                  `${trace[j].now - T0} ms (${trace[j].prev.state} → ${trace[j].result.state})`;
                throw new Error(`${name} changed at ${at(last)} and again at ${at(i)}`);
              }
            }
            last = i;
          });
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('countdowns with a fractional monotonic now', () => {
  // The shell's clock is performance.now(): fractional milliseconds. (now + 30000) - now may
  // be 30000.0000000002, which once read as 30.1 s.
  const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
  const nowArb = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 100_000_000 }), fraction).map(([ms, f]) => ms + f),
    fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fraction).map(([ms, f]) => ms + f),
  );

  test('a countdown never exceeds the configured time and never shows 0 before it expires', () => {
    fc.assert(
      fc.property(
        nowArb,
        fc.integer({ min: 30, max: 600 }),
        fc.integer({ min: 30, max: 900 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
        (start, leadS, delayS, fractions) => {
          const h = new Harness({
            start,
            params: { preAlarmLeadS: leadS, lowSocShutdownDelayS: delayS },
          });
          h.set({ lines: { dischargeAllowed: 'released' }, soc: 5 });
          const uv = h.last.countdowns.loadDisconnectS;
          const soc = h.last.countdowns.lowSocShutdownS;
          expect(uv).toBe(leadS);
          expect(soc).toBe(Math.max(leadS, delayS));
          const uvEnd = h.now + leadS * 1000;
          for (const f of [...fractions].sort()) {
            const t = h.now + f * (uvEnd - h.now);
            if (!(t > h.now)) continue;
            h.advance(t - h.now);
            const left = h.last.countdowns.loadDisconnectS;
            if (h.state !== 'PRE_ALARM') continue;
            expect(left).not.toBeNull();
            expect(left!).toBeGreaterThan(0);
            expect(left!).toBeLessThanOrEqual(leadS);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  test('secondsLeft: 0.1 s steps rounded up, exact for whole milliseconds at any now', () => {
    fc.assert(
      fc.property(nowArb, fc.integer({ min: 0, max: 3_600_000 }), (now, ms) => {
        const left = secondsLeft(now + ms, now);
        expect(left).toBe(Math.ceil(ms / 100) / 10);
        if (ms > 0) expect(left).toBeGreaterThan(0);
        const tiny = secondsLeft(now + 1e-3, now);
        expect(tiny).toBe(now + 1e-3 > now ? 0.1 : 0);
      }),
      { numRuns: 5000 },
    );
  });
});
