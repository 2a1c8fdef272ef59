import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClock, ManualClock } from '../../service/hw/clock';
import {
  BOARDS,
  boardProblems,
  clockScaleProblem,
  detectBoard,
  isRealGx,
} from '../../service/hw/boards';

describe('clock', () => {
  it('the simulation clock runs `scale` times faster, timers included', async () => {
    const clock = createClock({ scale: 50, start: 0 });
    const realStart = performance.now();
    const firedAt = await new Promise<number>((resolve) => {
      clock.setTimeout(() => resolve(clock.now()), 1000); // 1 s of sim time = 20 ms real
    });
    const realMs = performance.now() - realStart;
    expect(firedAt).toBeGreaterThanOrEqual(950);
    expect(realMs).toBeLessThan(500);
    expect(clock.scale).toBe(50);
  });

  it('scale 1 is the real monotonic clock; cleared timers do not fire', async () => {
    const clock = createClock();
    const a = clock.now();
    let fired = false;
    const h = clock.setTimeout(() => (fired = true), 5);
    clock.clearTimeout(h);
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(false);
    expect(clock.now() - a).toBeGreaterThanOrEqual(15);
  });

  it('reads whole milliseconds, so that differences of two readings are exact', async () => {
    for (const scale of [1, 3, 50]) {
      const clock = createClock({ scale, start: 1234.5678 });
      for (let i = 0; i < 20; i++) {
        expect(Number.isInteger(clock.now())).toBe(true);
        await new Promise((r) => setImmediate(r));
      }
    }
  });

  it('refuses a non-positive scale', () => {
    expect(() => createClock({ scale: 0 })).toThrow(/positive/);
  });

  it('manual clock fires timers in due order with now() at their due time', () => {
    const clock = new ManualClock(100);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 20);
    clock.setTimeout(() => {
      seen.push(['a', clock.now()]);
      clock.setTimeout(() => seen.push(['c', clock.now()]), 5);
    }, 10);
    clock.advance(30);
    expect(seen).toEqual([
      ['a', 110],
      ['c', 115],
      ['b', 120],
    ]);
    expect(clock.now()).toBe(130);
  });
});

describe('boards', () => {
  function fakeRoot(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'smallbms-root-'));
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), content);
    }
    return root;
  }

  it('profiles: Cerbo GX 2 relays 4 inputs, Ekrano GX 2 relays 2 inputs, both with a buzzer', () => {
    expect(BOARDS['cerbo-gx']).toMatchObject({ relays: [1, 2], digitalInputs: [1, 2, 3, 4] });
    expect(BOARDS['ekrano-gx']).toMatchObject({ relays: [1, 2], digitalInputs: [1, 2] });
    expect(BOARDS['cerbo-gx'].hasBuzzer && BOARDS['ekrano-gx'].hasBuzzer).toBe(true);
    expect(BOARDS.simulated.simulated).toBe(true);
  });

  it('detects a Cerbo GX and an Ekrano GX; a laptop is not a GX', () => {
    const cerbo = fakeRoot({
      'etc/venus/machine': 'einstein\n',
      'sys/firmware/devicetree/base/model': 'Cerbo GX\0',
      'sys/firmware/devicetree/base/compatible':
        'victronenergy,cerbo-gx-b1\0cubietech,einstein\0allwinner,sun7i-a20\0',
    });
    expect(detectBoard(cerbo)).toEqual({
      board: 'cerbo-gx',
      machine: 'einstein',
      model: 'Cerbo GX',
    });
    expect(isRealGx(cerbo)).toBe(true);
    const ekrano = fakeRoot({ 'etc/venus/machine': 'ekrano\n' });
    expect(detectBoard(ekrano).board).toBe('ekrano-gx');
    const maxi = fakeRoot({
      'etc/venus/machine': 'nanopi\n',
      'sys/firmware/devicetree/base/compatible': 'victronenergy,maxi-gx\0',
    });
    expect(detectBoard(maxi).board).toBeNull();
    const laptop = fakeRoot({});
    expect(detectBoard(laptop)).toEqual({ board: null, machine: null, model: null });
    expect(isRealGx(laptop)).toBe(false);
  });

  it('accelerated clock only on a simulated board off a GX', () => {
    const laptop = fakeRoot({});
    const gx = fakeRoot({ 'etc/venus/machine': 'einstein\n' });
    expect(clockScaleProblem(1, 'cerbo-gx', gx)).toBeNull();
    expect(clockScaleProblem(60, 'simulated', laptop)).toBeNull();
    expect(clockScaleProblem(60, 'cerbo-gx', laptop)).toMatch(/needs board "simulated"/);
    expect(clockScaleProblem(60, 'simulated', gx)).toMatch(/real GX/);
  });

  it('flags relays, inputs and a buzzer the board does not have', () => {
    const problems = boardProblems(
      {
        lines: {
          dischargeAllowed: {
            source: { type: 'gpio', input: 3, pollMs: 100 },
            assertedLevel: 0,
            debounceMs: 0,
          },
          chargeAllowed: {
            source: { type: 'digitalinput', input: 2 },
            assertedLevel: 0,
            debounceMs: 0,
          },
        },
        outputs: {
          load: [{ type: 'relay', relay: 3, invert: false }],
          charge: [{ type: 'relay', relay: 2, invert: false }],
          preAlarm: [{ type: 'buzzer', invert: false }],
        },
      },
      { ...BOARDS['ekrano-gx'], hasBuzzer: false },
    );
    expect(problems).toEqual([
      'lines.dischargeAllowed: Ekrano GX has no digital input 3',
      'outputs.load[0]: Ekrano GX has no relay 3',
      'outputs.preAlarm[0]: Ekrano GX has no buzzer',
    ]);
  });
});
