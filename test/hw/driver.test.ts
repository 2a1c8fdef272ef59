import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputName, Outputs } from '../../service/src/core/types';
import { ManualClock, settle } from '../../service/hw/clock';
import { OutputDriver, type DriveReport } from '../../service/hw/targets/driver';
import { RelayTarget } from '../../service/hw/targets/relay';
import { GpioTarget } from '../../service/hw/targets/simple';
import type { Target, TargetResult } from '../../service/hw/targets/types';
import { SimBoard } from '../../service/hw/simboard';
import { FakeRemote } from './fake-remote';

/** A target that counts writes and can be told to fail. */
class CountingTarget implements Target {
  readonly type = 'device';
  writes: boolean[] = [];
  fail = false;
  constructor(
    readonly name: string,
    readonly blinkable = false,
  ) {}
  apply(on: boolean): Promise<TargetResult> {
    this.writes.push(on);
    return Promise.resolve(
      this.fail
        ? { status: 'error', message: `${this.name} failed` }
        : { status: 'ok', message: '' },
    );
  }
  describe(): string {
    return this.name;
  }
  problem(): string | null {
    return null;
  }
  start(): void {}
  stop(): void {}
}

const ON: Outputs = { load: true, charge: true, preAlarm: false };

function setup(opts: { dryRun?: boolean; intermittent?: boolean } = {}) {
  const clock = new ManualClock();
  const t = {
    load: new CountingTarget('load-a'),
    charge: new CountingTarget('charge-a'),
    preAlarm: new CountingTarget('pre-a'),
  };
  const reports: DriveReport[] = [];
  const driver = new OutputDriver(
    { load: [t.load], charge: [t.charge], preAlarm: [t.preAlarm] },
    {
      clock,
      dryRun: opts.dryRun,
      preAlarmMode: opts.intermittent ? 'intermittent' : 'continuous',
      onReport: (r) => reports.push(r),
    },
  );
  return { clock, t, driver, reports };
}

describe('OutputDriver', () => {
  it('drives everything safe first, then only what changed', async () => {
    const { t, driver } = setup();
    await driver.driveSafe();
    expect([t.load.writes, t.charge.writes, t.preAlarm.writes]).toEqual([
      [false],
      [false],
      [false],
    ]);
    await driver.applyAll(ON);
    await driver.applyAll(ON);
    await driver.applyAll({ ...ON, charge: false });
    expect(t.load.writes).toEqual([false, true]);
    expect(t.charge.writes).toEqual([false, true, false]);
    expect(t.preAlarm.writes).toEqual([false]);
    expect(driver.wouldDrive()).toEqual({ ...ON, charge: false });
  });

  it('never blocks the caller and serialises writes to one target', async () => {
    const { t, driver } = setup();
    const p1 = driver.applyAll(ON);
    const p2 = driver.applyAll({ ...ON, load: false });
    expect(t.load.writes).toEqual([true]); // second write waits for the first
    await Promise.all([p1, p2]);
    await driver.idle();
    expect(t.load.writes).toEqual([true, false]);
  });

  it('retries a failed target with backoff, and stops when it succeeds', async () => {
    const { clock, t, driver } = setup();
    t.load.fail = true;
    await driver.applyAll(ON);
    expect(driver.problems()).toEqual(['load: load-a failed']);
    await clock.advanceAsync(999);
    expect(t.load.writes).toHaveLength(1);
    await clock.advanceAsync(1); // 1 s
    expect(t.load.writes).toHaveLength(2);
    await clock.advanceAsync(2000); // 2 s later
    expect(t.load.writes).toHaveLength(3);
    t.load.fail = false;
    await clock.advanceAsync(4000); // 4 s later
    expect(t.load.writes).toHaveLength(4);
    await clock.advanceAsync(60_000);
    expect(t.load.writes).toHaveLength(4);
    expect(driver.problems()).toEqual([]);
    expect(t.charge.writes).toEqual([true]);
  });

  it('dry run drives nothing but reports what it would drive; leaving it drives all', async () => {
    const { t, driver } = setup({ dryRun: true });
    await driver.driveSafe();
    await driver.applyAll(ON);
    expect([t.load.writes, t.charge.writes, t.preAlarm.writes]).toEqual([[], [], []]);
    expect(driver.wouldDrive()).toEqual(ON);
    await driver.setDryRun(false);
    expect([t.load.writes, t.charge.writes, t.preAlarm.writes]).toEqual([[true], [true], [false]]);
  });

  it('test-output drives one output only in dry run', async () => {
    const { t, driver } = setup({ dryRun: true });
    const reports = await driver.testOutput('charge', true);
    expect(reports).toEqual([
      { output: 'charge', target: 'charge-a', on: true, result: { status: 'ok', message: '' } },
    ]);
    expect(t.charge.writes).toEqual([true]);
    await driver.setDryRun(false);
    const refused = await driver.testOutput('load', true);
    expect(refused[0].result.status).toBe('refused');
    expect(t.load.writes).toEqual([]); // no engine output yet: nothing to drive
  });

  it('intermittent pre-alarm blinks a gpio target 0.8 s on / 0.8 s off, not the others', async () => {
    const board = SimBoard.create(join(mkdtempSync(join(tmpdir(), 'smallbms-d-')), 'gpio'));
    const clock = new ManualClock();
    const led = new GpioTarget({ type: 'gpio', path: 'relay_2/value', invert: false }, board.root);
    const steady = new CountingTarget('steady');
    const levels: string[] = [];
    const driver = new OutputDriver(
      { load: [], charge: [], preAlarm: [led, steady] },
      {
        clock,
        preAlarmMode: 'intermittent',
        onReport: (r) => {
          if (r.target === led.describe()) levels.push(readFileSync(led.path, 'utf8'));
        },
      },
    );
    await driver.driveSafe();
    await driver.applyAll({ load: true, charge: true, preAlarm: true });
    expect(board.readRelay(2)).toBe(1);
    await clock.advanceAsync(800);
    expect(board.readRelay(2)).toBe(0);
    await clock.advanceAsync(800);
    expect(board.readRelay(2)).toBe(1);
    await clock.advanceAsync(800 * 4);
    expect(levels).toEqual(['0', '1', '0', '1', '0', '1', '0', '1']);
    expect(steady.writes).toEqual([false, true]);
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    expect(board.readRelay(2)).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(steady.writes).toEqual([false, true, false]);
    board.destroy();
  });

  it('a relay that becomes manual is re-driven and counts as applied', async () => {
    const clock = new ManualClock();
    const remote = new FakeRemote();
    remote.publish('com.victronenergy.system', { '/Relay/0/State': 0 });
    remote.publish('com.victronenergy.settings', { '/Settings/Relay/Function': 0 });
    const relay = new RelayTarget({ type: 'relay', relay: 1, invert: false }, remote);
    const driver = new OutputDriver({ load: [relay], charge: [], preAlarm: [] }, { clock });
    driver.start();
    await driver.applyAll(ON);
    expect(driver.problems()).toEqual([
      "load: relay 1 function is 'alarm' (0), not manual: not driven",
    ]);
    await clock.advanceAsync(120_000); // refused: not retried blindly
    expect(remote.writes).toEqual([]);
    remote.set('com.victronenergy.settings', '/Settings/Relay/Function', 2);
    await settle();
    expect(remote.writesTo('com.victronenergy.system', '/Relay/0/State')).toEqual([1]);
    expect(driver.problems()).toEqual([]);
    expect(driver.targets()[0]).toMatchObject({ output: 'load', applied: true, ok: true });
    await driver.applyAll(ON);
    expect(remote.writes).toHaveLength(1);
    driver.stop();
  });

  it('reports every write, including failures thrown by a target', async () => {
    const clock = new ManualClock();
    const thrower: Target = {
      ...new CountingTarget('boom'),
      type: 'device',
      blinkable: false,
      apply: () => Promise.reject(new Error('bus gone')),
      describe: () => 'boom',
      problem: () => null,
      start: () => undefined,
      stop: () => undefined,
    };
    const reports: DriveReport[] = [];
    const outputs: Record<OutputName, Target[]> = { load: [thrower], charge: [], preAlarm: [] };
    const driver = new OutputDriver(outputs, { clock, onReport: (r) => reports.push(r) });
    await driver.applyAll(ON);
    expect(reports[0].result).toEqual({ status: 'error', message: 'boom: Error: bus gone' });
    driver.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
