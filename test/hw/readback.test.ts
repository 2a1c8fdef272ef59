/**
 * Start-up that holds and read-back (behaviour.md sections 4 and 6): the driver reads what
 * the targets have, writes only differences, notices outside writes and restores them, and
 * reports every target problem as an event.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, settle } from '../../service/hw/clock';
import { OutputDriver, type TargetEvent } from '../../service/hw/targets/driver';
import { RelayTarget } from '../../service/hw/targets/relay';
import { DeviceTarget, DvccTarget, GpioTarget } from '../../service/hw/targets/simple';
import { FakeRemote } from './fake-remote';

const SYSTEM = 'com.victronenergy.system';
const SETTINGS = 'com.victronenergy.settings';
const INVERTER = 'com.victronenergy.inverter.ttyS1';

function gx(load = 1, charge = 1): FakeRemote {
  const remote = new FakeRemote();
  remote.publish(SYSTEM, { '/Relay/0/State': load, '/Relay/1/State': charge });
  remote.publish(SETTINGS, {
    '/Settings/Relay/Function': 2,
    '/Settings/Relay/1/Function': 2,
    '/Settings/Relay/0/InitialState': 0,
    '/Settings/Relay/1/InitialState': 0,
  });
  remote.publish(INVERTER, { '/Mode': 3 });
  return remote;
}

function setup(remote: FakeRemote, gpioValue = '1') {
  const clock = new ManualClock();
  const dir = mkdtempSync(join(tmpdir(), 'readback-'));
  const gpioFile = join(dir, 'value');
  writeFileSync(gpioFile, gpioValue);
  const load = new RelayTarget({ type: 'relay', relay: 1, invert: false }, remote, {
    bootLevel: false,
  });
  const charge = new RelayTarget({ type: 'relay', relay: 2, invert: false }, remote);
  const inverter = new DeviceTarget(
    { type: 'device', service: INVERTER, path: '/Mode', onValue: 3, offValue: 4, invert: false },
    remote,
  );
  const pre = new GpioTarget({ type: 'gpio', path: gpioFile, invert: true }, dir, {
    clock,
    everyMs: 1000,
  });
  const dvcc = new DvccTarget({ type: 'dvcc', invert: false }, true);
  const events: TargetEvent[] = [];
  const driver = new OutputDriver(
    { load: [load, inverter, dvcc], charge: [charge], preAlarm: [pre] },
    { clock, onTargetEvent: (e) => events.push(e) },
  );
  driver.start();
  return { clock, driver, events, gpioFile, dvcc };
}

describe('start-up: read back, write only differences', () => {
  it('targets already at the decided levels are not written at all', async () => {
    const remote = gx(1, 1);
    const { driver, gpioFile } = setup(remote, '1'); // inverted gpio: 1 = pre-alarm off
    await driver.readBack();
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    expect(remote.writesTo(SYSTEM, '/Relay/0/State')).toEqual([]);
    expect(remote.writesTo(SYSTEM, '/Relay/1/State')).toEqual([]);
    expect(remote.writesTo(INVERTER, '/Mode')).toEqual([]);
    expect(readFileSync(gpioFile, 'utf8')).toBe('1');
    driver.stop();
  });

  it('only the targets that differ are written', async () => {
    const remote = gx(1, 1);
    remote.set(INVERTER, '/Mode', 4);
    const { driver, gpioFile } = setup(remote, '1');
    await driver.readBack();
    await driver.applyAll({ load: true, charge: false, preAlarm: true });
    expect(remote.writesTo(SYSTEM, '/Relay/0/State')).toEqual([]);
    expect(remote.writesTo(SYSTEM, '/Relay/1/State')).toEqual([0]);
    expect(remote.writesTo(INVERTER, '/Mode')).toEqual([3]);
    expect(readFileSync(gpioFile, 'utf8')).toBe('0');
    driver.stop();
  });

  it('a target that cannot be read is written at the decision', async () => {
    const remote = gx(1, 1);
    remote.failReads = true;
    const { driver } = setup(remote);
    await driver.readBack();
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    expect(remote.writesTo(SYSTEM, '/Relay/0/State')).toEqual([1]);
    driver.stop();
  });

  it('a DVCC target starts from the level the previous run left', async () => {
    const remote = gx();
    const { dvcc } = setup(remote);
    expect(dvcc.allowed).toBe(true);
    expect(await dvcc.read()).toEqual({ on: true, raw: 'allowed' });
    expect(new DvccTarget({ type: 'dvcc', invert: false }).allowed).toBeNull();
  });
});

describe('read back and restore', () => {
  it('an outside write to our relay is restored and reported', async () => {
    const remote = gx(1, 1);
    const { driver, events } = setup(remote);
    await driver.readBack();
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    remote.set(SYSTEM, '/Relay/0/State', 0); // the Switches pane, Node-RED ...
    await settle();
    await driver.idle();
    expect(remote.peek(SYSTEM, '/Relay/0/State')).toBe(1);
    expect(remote.writesTo(SYSTEM, '/Relay/0/State')).toEqual([1]);
    expect(events).toEqual([
      expect.objectContaining({ output: 'load', what: 'overridden', from: '0', to: true }),
    ]);
    expect(events[0].target).toMatch(/^relay 1 /);
    expect(events[0].reason).toBe('set to 0 by someone else while load is on: restored');
    // Our own write (and its signal) is not an override.
    await driver.applyAll({ load: false, charge: true, preAlarm: false });
    await settle();
    expect(events).toHaveLength(1);
    driver.stop();
  });

  it('a foreign write while our write is under way is read back and restored afterwards', async () => {
    const remote = gx(1, 1);
    remote.set(INVERTER, '/Mode', 4);
    const { driver, events } = setup(remote);
    await driver.readBack();
    // Hold our write to the inverter until someone else has written it too.
    const setValue = remote.setValue.bind(remote);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    remote.setValue = async (service, path, value) => {
      if (service === INVERTER) await gate;
      return setValue(service, path, value);
    };
    const applied = driver.applyAll({ load: true, charge: true, preAlarm: false });
    await settle();
    remote.set(INVERTER, '/Mode', 1); // someone else, while ours waits
    release();
    await applied;
    // Ours landed last here; the signals cannot tell, so the driver read it back: no event.
    await settle();
    await driver.idle();
    expect(remote.peek(INVERTER, '/Mode')).toBe(3);
    expect(events).toEqual([]);
    driver.stop();
  });

  it('a foreign write landing just after ours, before our reply, is restored', async () => {
    const remote = gx(1, 1);
    remote.set(INVERTER, '/Mode', 4);
    const { driver, events } = setup(remote);
    await driver.readBack();
    const setValue = remote.setValue.bind(remote);
    let once = true;
    remote.setValue = async (service, path, value) => {
      const ok = await setValue(service, path, value);
      if (service === INVERTER && once) {
        once = false;
        remote.set(INVERTER, '/Mode', 1); // signalled while our write is still "running"
      }
      return ok;
    };
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    await settle();
    await settle();
    await driver.idle();
    expect(remote.peek(INVERTER, '/Mode')).toBe(3);
    expect(events).toEqual([expect.objectContaining({ what: 'overridden', from: '1', to: true })]);
    driver.stop();
  });

  it('a device /Mode written by someone else is restored', async () => {
    const remote = gx(1, 1);
    const { driver, events } = setup(remote);
    await driver.readBack();
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    remote.set(INVERTER, '/Mode', 4);
    await settle();
    await driver.idle();
    expect(remote.peek(INVERTER, '/Mode')).toBe(3);
    expect(events.map((e) => e.from)).toEqual(['4']);
    driver.stop();
  });

  it('a gpio file changed behind our back is restored at the next check (1 s)', async () => {
    const remote = gx(1, 1);
    const { clock, driver, events, gpioFile } = setup(remote, '1');
    await driver.readBack();
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    writeFileSync(gpioFile, '0');
    clock.advance(999);
    expect(readFileSync(gpioFile, 'utf8')).toBe('0');
    clock.advance(1);
    await driver.idle();
    expect(readFileSync(gpioFile, 'utf8')).toBe('1');
    expect(events).toEqual([expect.objectContaining({ output: 'preAlarm', what: 'overridden' })]);
    driver.stop();
  });

  it('a relay taken away (function not manual) is left alone; taken and given back are events', async () => {
    const remote = gx(1, 1);
    const { driver, events } = setup(remote);
    await driver.readBack();
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    remote.set(SETTINGS, '/Settings/Relay/Function', 1); // genset start/stop now
    remote.set(SYSTEM, '/Relay/0/State', 0); // its new owner switches it
    await settle();
    await driver.idle();
    expect(remote.peek(SYSTEM, '/Relay/0/State')).toBe(0);
    expect(remote.writesTo(SYSTEM, '/Relay/0/State')).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({ what: 'status', from: 'ok', to: 'refused' }),
    ]);
    expect(events[0].reason).toMatch(/function is 'genset start\/stop' \(1\).*taken away/);
    remote.set(SETTINGS, '/Settings/Relay/Function', 2);
    await settle();
    await driver.idle();
    expect(remote.peek(SYSTEM, '/Relay/0/State')).toBe(1);
    expect(events[1]).toMatchObject({ what: 'status', from: 'refused', to: 'ok' });
    expect(events[1].reason).toMatch(/given back .*driven on/);
    driver.stop();
  });

  it('unreachable and back are events', async () => {
    const remote = gx(0, 1);
    const { clock, driver, events } = setup(remote);
    await driver.readBack();
    remote.refuseWrites.add(`${SYSTEM} /Relay/0/State`);
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    expect(events).toEqual([expect.objectContaining({ from: 'ok', to: 'error' })]);
    expect(events[0].reason).toMatch(/^unreachable: /);
    remote.refuseWrites.clear();
    clock.advance(1000); // the retry
    await settle();
    await driver.idle();
    expect(events[1]).toMatchObject({ from: 'error', to: 'ok' });
    expect(events[1].reason).toMatch(/reachable again: driven on/);
    driver.stop();
  });

  it('in dry run nothing is restored', async () => {
    const remote = gx(1, 1);
    const clock = new ManualClock();
    const relay = new RelayTarget({ type: 'relay', relay: 1, invert: false }, remote);
    const events: TargetEvent[] = [];
    const driver = new OutputDriver(
      { load: [relay], charge: [], preAlarm: [] },
      { clock, dryRun: true, onTargetEvent: (e) => events.push(e) },
    );
    driver.start();
    await driver.readBack();
    await driver.applyAll({ load: true, charge: true, preAlarm: false });
    remote.set(SYSTEM, '/Relay/0/State', 0);
    await settle();
    expect(remote.writesTo(SYSTEM, '/Relay/0/State')).toEqual([]);
    expect(events).toEqual([]);
    driver.stop();
  });
});
