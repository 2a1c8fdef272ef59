/**
 * Unit-level robustness: the wall clock jumping, history writes failing with ENOSPC, timer
 * jitter against the gpio debounce, and a simulated week of the engine in fake time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClock, ManualClock } from '../../service/hw/clock';
import { Debouncer } from '../../service/hw/lines/debounce';
import { initialMemory, persistedPart, step } from '../../service/src/core/engine';
import { DEFAULT_PARAMS } from '../../service/src/core/params';
import type { EngineInput, LineStatus, StepResult } from '../../service/src/core/types';
import { EventHistory } from '../../service/src/store/history';
import { tempRoot } from '../e2e/harness';

test('a wall-clock jump of ±1 h changes no countdown (the clock is monotonic)', async () => {
  const realNow = Date.now;
  const clock = createClock();
  const t0 = clock.now();
  let fired = 0;
  const start = performance.now();
  clock.setTimeout(() => (fired = performance.now() - start), 200);
  try {
    Date.now = () => realNow() + 3600_000;
    expect(Math.abs(clock.now() - t0)).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 100));
    Date.now = () => realNow() - 3600_000;
    expect(clock.now() - t0).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 250));
  } finally {
    Date.now = realNow;
  }
  expect(fired).toBeGreaterThanOrEqual(195);
  expect(fired).toBeLessThan(1000);
  // The engine never reads the wall clock: same inputs at the same monotonic time, same result.
  const input: EngineInput = {
    lines: { dischargeAllowed: 'asserted', chargeAllowed: 'asserted', preAlarm: 'released' },
    soc: 9,
    voltage: 12.5,
    current: -3,
    softwareRemoteOn: true,
  };
  const a = step(initialMemory(), input, 1000, DEFAULT_PARAMS);
  Date.now = () => realNow() + 3600_000;
  try {
    expect(step(initialMemory(), input, 1000, DEFAULT_PARAMS)).toEqual(a);
  } finally {
    Date.now = realNow;
  }
});

test('ENOSPC while appending history: reported once, events kept, written when space is back', async () => {
  const dir = tempRoot('enospc');
  const file = path.join(dir, 'events.jsonl');
  let full = true;
  const errors: string[] = [];
  const h = new EventHistory({
    file,
    maxEvents: 100,
    retryMs: 50,
    onError: (e) => errors.push(e.message),
    io: {
      appendDurable: async (f, data) => {
        if (full)
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        fs.appendFileSync(f, data);
      },
    },
  });
  await h.open();
  const ev = {
    kind: 'state' as const,
    name: 'state',
    from: 'NORMAL',
    to: 'PRE_ALARM',
    t: 1,
    reason: 'x',
  };
  for (let i = 0; i < 5; i++) h.append([{ ...ev, t: i } as never]);
  await h.flush().catch(() => undefined);
  expect(errors.length).toBe(1);
  expect(h.recent(10).length).toBe(5);
  full = false;
  h.append([{ ...ev, t: 9 } as never]);
  await new Promise((r) => setTimeout(r, 300)); // the retry timer
  await h.flush();
  await h.close();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  expect(lines.length).toBe(6);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('gpio debounce with jittered ticks accepts on the nominal poll (regression)', () => {
  const clock = new ManualClock(0);
  const accepted: number[] = [];
  const d = new Debouncer(clock, 200, () => accepted.push(clock.now()), false, 50);
  d.observe('asserted'); // first valid reading: accepted at once
  // Ticks every 100 ms, the first one late by 3 ms, the later ones by 1 ms.
  clock.advance(103);
  d.observe('released');
  clock.advance(99);
  d.observe('released');
  clock.advance(99);
  d.observe('released'); // 198 ms after the first sighting: nominally the third poll
  expect(accepted).toEqual([0, 301]);
});

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

test('a simulated week: random flapping, SoC drift, restarts; invariants hold throughout', () => {
  const rand = rng(7);
  const params = { ...DEFAULT_PARAMS };
  const WEEK = 7 * 24 * 3600 * 1000;
  let now = 1_000_000;
  let memory = initialMemory();
  const statuses: LineStatus[] = ['asserted', 'asserted', 'asserted', 'released', 'unhealthy'];
  const input: EngineInput = {
    lines: { dischargeAllowed: 'asserted', chargeAllowed: 'asserted', preAlarm: 'released' },
    soc: 60,
    voltage: 13.1,
    current: -5,
    softwareRemoteOn: true,
  };
  let last: StepResult = step(memory, input, now, params);
  memory = last.memory;
  const offAt: Record<'load' | 'charge', number | null> = { load: null, charge: null };
  let steps = 0;
  let restarts = 0;
  const check = (prev: StepResult, r: StepResult): void => {
    const gate = r.state === 'STARTING' || r.state === 'REMOTE_OFF' || r.state === 'FAULT';
    if (gate) {
      expect(r.outputs.load).toBe(false);
      expect(r.outputs.charge).toBe(false);
    }
    if (input.lines.chargeAllowed !== 'asserted') expect(r.outputs.charge).toBe(false);
    // Once the state has settled (behaviour.md section 4: outputs follow after the settle time).
    const settled = r.memory.settleAt === null;
    if ((r.state === 'PRE_ALARM' || r.state === 'FAULT') && settled) {
      expect(r.outputs.preAlarm).toBe(true);
    }
    if (r.nextDeadline !== null) expect(r.nextDeadline).toBeGreaterThan(now);
    for (const o of ['load', 'charge'] as const) {
      if (prev.outputs[o] && !r.outputs[o]) offAt[o] = now;
      if (!prev.outputs[o] && r.outputs[o] && offAt[o] !== null) {
        expect(now - (offAt[o] as number)).toBeGreaterThanOrEqual(params.minOffTimeS * 1000);
      }
    }
  };
  while (now < 1_000_000 + WEEK) {
    // Next thing: an input change within 0–20 min, or the engine's own deadline first.
    const gap = Math.floor(rand() * 20 * 60 * 1000);
    const target = now + gap;
    while (last.nextDeadline !== null && last.nextDeadline <= target) {
      now = last.nextDeadline;
      const r = step(memory, input, now, params);
      check(last, r);
      last = r;
      memory = r.memory;
      steps++;
    }
    now = target;
    const what = rand();
    if (what < 0.4) {
      const role = (['dischargeAllowed', 'chargeAllowed', 'preAlarm'] as const)[
        Math.floor(rand() * 3)
      ];
      input.lines[role] = statuses[Math.floor(rand() * statuses.length)];
    } else if (what < 0.9) {
      const soc = (input.soc ?? 50) + (input.current ?? 0) * 0.02 + (rand() - 0.5) * 2;
      input.soc = Math.max(0, Math.min(100, soc));
      input.current = rand() < 0.3 ? 20 * rand() : -10 * rand();
      input.voltage = 12 + rand() * 2.5;
    } else if (what < 0.97) {
      input.softwareRemoteOn = rand() < 0.8;
    } else {
      // A restart: only the persisted part survives; the engine counts the outputs as off.
      memory = initialMemory(persistedPart(memory));
      last = { ...last, outputs: { load: false, charge: false, preAlarm: false } };
      restarts++;
    }
    const r = step(memory, input, now, params);
    check(last, r);
    last = r;
    memory = r.memory;
    steps++;
  }
  expect(steps).toBeGreaterThan(1000);
  expect(restarts).toBeGreaterThan(5);
});
