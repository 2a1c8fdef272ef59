import type { LineRole, LineStatus } from '../../service/src/core/types';
import type { LineConfig } from '../../service/src/config/types';
import { ManualClock } from '../../service/hw/clock';
import { digitalInputService } from '../../service/hw/lines/dbus';
import { LineSet } from '../../service/hw/lines/lineset';
import { FakeRemote } from './fake-remote';

const BMS = 'com.victronenergy.battery.ttyUSB0';

function dbusLine(staleTimeoutS = 10, debounceMs = 0): LineConfig {
  return {
    source: {
      type: 'dbus',
      service: BMS,
      path: '/Io/AllowToDischarge',
      op: '==',
      value: 1,
      staleTimeoutS,
    },
    assertedLevel: 0,
    debounceMs,
  };
}

describe('D-Bus lines', () => {
  let clock: ManualClock;
  let remote: FakeRemote;
  let changes: Array<[LineRole, LineStatus]>;

  function makeSet(lines: Partial<Record<LineRole, LineConfig>>): LineSet {
    const set = new LineSet({ lines, gpioRoot: '/nonexistent' }, { clock, remote });
    set.onChange((role, status) => changes.push([role, status]));
    return set;
  }

  beforeEach(() => {
    clock = new ManualClock();
    remote = new FakeRemote();
    changes = [];
  });

  it('digital input service name follows dbus-digitalinputs', () => {
    expect(digitalInputService(3)).toBe('com.victronenergy.digitalinput.input_3');
  });

  it('digitalinput: /InputState vs asserted level, debounced by a timer', () => {
    const svc = digitalInputService(1);
    remote.publish(svc, { '/InputState': 0 });
    const set = makeSet({
      dischargeAllowed: {
        source: { type: 'digitalinput', input: 1 },
        assertedLevel: 0,
        debounceMs: 200,
      },
    });
    set.start();
    expect(set.snapshot().dischargeAllowed).toBe('asserted');
    remote.set(svc, '/InputState', 1);
    clock.advance(100);
    remote.set(svc, '/InputState', 0); // a 100 ms pulse: ignored
    clock.advance(500);
    expect(changes).toEqual([['dischargeAllowed', 'asserted']]);
    remote.set(svc, '/InputState', 1);
    clock.advance(199);
    expect(set.snapshot().dischargeAllowed).toBe('asserted');
    clock.advance(1);
    expect(set.snapshot().dischargeAllowed).toBe('released');
    set.stop();
    expect(remote.watcherCount).toBe(0);
  });

  it('digitalinput: service absent or invalid value ⇒ unhealthy', () => {
    const set = makeSet({
      remote: { source: { type: 'digitalinput', input: 2 }, assertedLevel: 0, debounceMs: 0 },
    });
    set.start();
    expect(set.snapshot().remote).toBe('unhealthy');
    expect(set.problems()).toEqual([
      'remote: com.victronenergy.digitalinput.input_2 is not on D-Bus',
    ]);
    remote.publish(digitalInputService(2), { '/InputState': 0 });
    expect(set.snapshot().remote).toBe('asserted');
    remote.set(digitalInputService(2), '/InputState', undefined);
    expect(set.snapshot().remote).toBe('unhealthy');
    expect(set.problems()[0]).toMatch(/InputState is invalid, not 0 or 1/);
    set.stop();
  });

  it('dbus: compares the value with op/value; non-numbers are unhealthy', () => {
    remote.publish(BMS, { '/Io/AllowToDischarge': 1 });
    const set = makeSet({ dischargeAllowed: dbusLine(0) });
    set.start();
    expect(set.snapshot().dischargeAllowed).toBe('asserted');
    remote.set(BMS, '/Io/AllowToDischarge', 0);
    expect(set.snapshot().dischargeAllowed).toBe('released');
    remote.set(BMS, '/Io/AllowToDischarge', 'yes');
    expect(set.snapshot().dischargeAllowed).toBe('unhealthy');
    remote.remove(BMS);
    expect(set.problems()).toEqual([`dischargeAllowed: ${BMS} is not on D-Bus`]);
    set.stop();
  });

  it.each([
    ['>', 5, 6, 'asserted'],
    ['>=', 5, 5, 'asserted'],
    ['<', 5, 5, 'released'],
    ['<=', 5, 5, 'asserted'],
    ['!=', 5, 5, 'released'],
  ] as const)('dbus op %s %d with value %d ⇒ %s', (op, value, actual, expected) => {
    remote.publish(BMS, { '/X': actual });
    const set = makeSet({
      chargeAllowed: {
        source: { type: 'dbus', service: BMS, path: '/X', op, value, staleTimeoutS: 0 },
        assertedLevel: 0,
        debounceMs: 0,
      },
    });
    set.start();
    expect(set.snapshot().chargeAllowed).toBe(expected);
    set.stop();
  });

  it('dbus stale: silence triggers a GetValue; a confirmed value is fresh', async () => {
    remote.publish(BMS, { '/Io/AllowToDischarge': 1 });
    const set = makeSet({ dischargeAllowed: dbusLine(10) });
    set.start();
    await clock.advanceAsync(9_999);
    expect(remote.reads).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(remote.reads).toHaveLength(1);
    expect(set.snapshot().dischargeAllowed).toBe('asserted');
    await clock.advanceAsync(10_000);
    expect(remote.reads).toHaveLength(2);
    // an update restarts the stale timer
    remote.set(BMS, '/Io/AllowToDischarge', 0);
    await clock.advanceAsync(9_000);
    expect(remote.reads).toHaveLength(2);
    set.stop();
  });

  it('dbus stale: a failed re-read makes the line unhealthy until a value comes', async () => {
    remote.publish(BMS, { '/Io/AllowToDischarge': 1 });
    const set = makeSet({ dischargeAllowed: dbusLine(10) });
    set.start();
    remote.failReads = true;
    await clock.advanceAsync(10_000);
    expect(set.snapshot().dischargeAllowed).toBe('unhealthy');
    expect(set.problems()[0]).toMatch(/no value after 10 s/);
    remote.failReads = false;
    await clock.advanceAsync(10_000);
    expect(set.snapshot().dischargeAllowed).toBe('asserted');
    set.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('dbus staleTimeoutS 0 never re-reads', async () => {
    remote.publish(BMS, { '/Io/AllowToDischarge': 1 });
    const set = makeSet({ dischargeAllowed: dbusLine(0) });
    set.start();
    await clock.advanceAsync(3_600_000);
    expect(remote.reads).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
    set.stop();
  });
});
