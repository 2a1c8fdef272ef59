import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LineRole, LineStatus } from '../../service/src/core/types';
import type { LineConfig } from '../../service/src/config/types';
import { ManualClock } from '../../service/hw/clock';
import { gpioInputPath, readGpioLevel } from '../../service/hw/lines/gpio';
import { LineSet } from '../../service/hw/lines/lineset';
import { SimBoard } from '../../service/hw/simboard';

function gpioLine(input: number, debounceMs = 200, pollMs = 100): LineConfig {
  return { source: { type: 'gpio', input, pollMs }, assertedLevel: 0, debounceMs };
}

describe('gpio lines on a simulated board', () => {
  let board: SimBoard;
  let clock: ManualClock;
  let changes: Array<[LineRole, LineStatus]>;

  function makeSet(lines: Partial<Record<LineRole, LineConfig>>): LineSet {
    const set = new LineSet({ lines, gpioRoot: board.root }, { clock });
    set.onChange((role, status) => changes.push([role, status]));
    return set;
  }

  beforeEach(() => {
    board = SimBoard.create(join(mkdtempSync(join(tmpdir(), 'smallbms-hw-')), 'gpio'));
    clock = new ManualClock(1000);
    changes = [];
  });
  afterEach(() => board.destroy());

  it('accepts the first valid reading at once (start-up is level-based)', () => {
    board.setInput(1, 0);
    const set = makeSet({ dischargeAllowed: gpioLine(1) });
    expect(set.snapshot()).toEqual({ dischargeAllowed: 'unknown' });
    set.start();
    expect(set.snapshot()).toEqual({ dischargeAllowed: 'asserted' });
    expect(changes).toEqual([['dischargeAllowed', 'asserted']]);
    set.stop();
  });

  it('ignores a pulse shorter than the debounce and accepts a longer one', () => {
    board.setInput(1, 0);
    const set = makeSet({ dischargeAllowed: gpioLine(1, 200, 50) });
    set.start();
    changes = [];
    board.setInput(1, 1);
    clock.advance(150); // seen for 100–150 ms only
    board.setInput(1, 0);
    clock.advance(500);
    expect(changes).toEqual([]);
    board.setInput(1, 1);
    clock.advance(150);
    expect(set.snapshot().dischargeAllowed).toBe('asserted');
    clock.advance(100);
    expect(set.snapshot().dischargeAllowed).toBe('released');
    expect(changes).toEqual([['dischargeAllowed', 'released']]);
    set.stop();
  });

  it('two contacts that change together are told after both are read (one snapshot per poll)', () => {
    for (const debounceMs of [0, 200]) {
      board.setInput(1, 1);
      board.setInput(3, 0);
      const set = makeSet({
        dischargeAllowed: gpioLine(1, debounceMs),
        preAlarm: gpioLine(3, debounceMs),
      });
      const seen: unknown[] = [];
      set.onChange(() => seen.push(set.snapshot()));
      set.start();
      seen.length = 0;
      // The battery clears UV and its pre-alarm at once (the demo's step 5).
      board.setInput(1, 0);
      board.setInput(3, 1);
      clock.advance(debounceMs + 100);
      // The first change is told with the second already in the snapshot: the engine never
      // sees "discharge allowed, pre-alarm still on", a state that was never there.
      expect(seen).toEqual([
        { dischargeAllowed: 'asserted', preAlarm: 'released' },
        { dischargeAllowed: 'asserted', preAlarm: 'released' },
      ]);
      set.stop();
    }
  });

  it('debounce 0 accepts a change at the next poll', () => {
    board.setInput(2, 1);
    const set = makeSet({ chargeAllowed: gpioLine(2, 0, 100) });
    set.start();
    board.setInput(2, 0);
    clock.advance(100);
    expect(changes).toEqual([
      ['chargeAllowed', 'released'],
      ['chargeAllowed', 'asserted'],
    ]);
    set.stop();
  });

  it('file removed ⇒ unhealthy after the debounce, file back ⇒ recovers', () => {
    board.setInput(1, 0);
    const set = makeSet({ dischargeAllowed: gpioLine(1, 200, 100) });
    set.start();
    board.removeInput(1);
    clock.advance(100);
    expect(set.snapshot().dischargeAllowed).toBe('asserted'); // a glitch is ridden out
    expect(set.problems()).toEqual([`dischargeAllowed: ${board.inputPath(1)} missing`]);
    clock.advance(200);
    expect(set.snapshot().dischargeAllowed).toBe('unhealthy');
    board.restoreInput(1, 0);
    clock.advance(300);
    expect(set.snapshot().dischargeAllowed).toBe('asserted');
    expect(set.problems()).toEqual([]);
    expect(changes.map((c) => c[1])).toEqual(['asserted', 'unhealthy', 'asserted']);
    set.stop();
  });

  it('garbage content or an unreadable file ⇒ unhealthy', () => {
    board.setInput(1, 0);
    board.setInput(2, 0);
    const set = makeSet({ dischargeAllowed: gpioLine(1, 0), chargeAllowed: gpioLine(2, 0) });
    set.start();
    board.writeInputRaw(1, 'x7\n');
    board.makeUnreadable(2);
    clock.advance(100);
    expect(set.snapshot()).toEqual({ dischargeAllowed: 'unhealthy', chargeAllowed: 'unhealthy' });
    expect(set.problems()[0]).toMatch(/holds "x7", not 0 or 1/);
    expect(set.problems()[1]).toMatch(/unreadable \(EISDIR\)/);
    set.stop();
  });

  it('a missing file at start-up becomes unhealthy after the debounce, not at once', () => {
    board.removeInput(3);
    const set = makeSet({ remote: gpioLine(3, 200, 100) });
    set.start();
    expect(set.snapshot().remote).toBe('unknown');
    clock.advance(200);
    expect(set.snapshot().remote).toBe('unhealthy');
    set.stop();
  });

  it('polls every gpio line on one shared timer, at the shortest interval', () => {
    for (const n of [1, 2, 3, 4]) board.setInput(n, 0);
    const set = makeSet({
      dischargeAllowed: gpioLine(1, 0, 100),
      chargeAllowed: gpioLine(2, 0, 200),
      remote: gpioLine(3, 0, 100),
      preAlarm: gpioLine(4, 0, 300),
    });
    set.start();
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1000);
    expect(clock.pendingTimers).toBe(1);
    set.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a slower line is read only at its own interval', () => {
    board.setInput(1, 0);
    board.setInput(2, 0);
    const set = makeSet({
      dischargeAllowed: gpioLine(1, 0, 100),
      chargeAllowed: gpioLine(2, 0, 300),
    });
    set.start();
    board.setInput(2, 1);
    clock.advance(200);
    expect(set.snapshot().chargeAllowed).toBe('asserted');
    clock.advance(100);
    expect(set.snapshot().chargeAllowed).toBe('released');
    set.stop();
  });

  it('resolves paths: default, relative to gpioRoot, absolute', () => {
    expect(gpioInputPath({ type: 'gpio', input: 2, pollMs: 100 }, '/dev/gpio')).toBe(
      '/dev/gpio/digital_input_2/value',
    );
    expect(gpioInputPath({ type: 'gpio', path: 'x/value', pollMs: 100 }, '/r')).toBe('/r/x/value');
    expect(gpioInputPath({ type: 'gpio', path: '/a/value', pollMs: 100 }, '/r')).toBe('/a/value');
    expect(() => gpioInputPath({ type: 'gpio', pollMs: 100 }, '/r')).toThrow();
  });

  it('reads 0/1 with surrounding whitespace', () => {
    board.writeInputRaw(1, ' 1 \n');
    expect(readGpioLevel(board.inputPath(1))).toEqual({ level: 1 });
  });

  it('asserted level 1 inverts the meaning', () => {
    board.setInput(1, 1);
    const set = makeSet({ remote: { ...gpioLine(1), assertedLevel: 1 } });
    set.start();
    expect(set.snapshot().remote).toBe('asserted');
    expect(set.source('remote')?.describe()).toMatch(/asserted = 1/);
    set.stop();
  });

  it('refuses D-Bus sources without D-Bus', () => {
    expect(
      () =>
        new LineSet(
          {
            gpioRoot: board.root,
            lines: {
              remote: {
                source: { type: 'digitalinput', input: 1 },
                assertedLevel: 0,
                debounceMs: 0,
              },
            },
          },
          { clock },
        ),
    ).toThrow(/needs D-Bus/);
  });
});
