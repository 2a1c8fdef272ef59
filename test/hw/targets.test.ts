import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relayPaths, RelayTarget } from '../../service/hw/targets/relay';
import {
  BuzzerTarget,
  DeviceTarget,
  DvccTarget,
  GpioTarget,
  SwitchTarget,
} from '../../service/hw/targets/simple';
import { buildTargets } from '../../service/hw/targets/build';
import { settle } from '../../service/hw/clock';
import { SimBoard } from '../../service/hw/simboard';
import { FakeRemote } from './fake-remote';

const SYSTEM = 'com.victronenergy.system';
const SETTINGS = 'com.victronenergy.settings';

describe('relay paths', () => {
  it('maps the printed number to systemcalc index and settings', () => {
    expect(relayPaths(1)).toEqual({
      state: '/Relay/0/State',
      fn: '/Settings/Relay/Function',
      initialState: '/Settings/Relay/0/InitialState',
      showUiControl: '/Settings/Relay/0/ShowUIControl',
      polarity: '/Settings/Relay/Polarity',
    });
    expect(relayPaths(2)).toEqual({
      state: '/Relay/1/State',
      fn: '/Settings/Relay/1/Function',
      initialState: '/Settings/Relay/1/InitialState',
      showUiControl: '/Settings/Relay/1/ShowUIControl',
      polarity: '/Settings/Relay/1/Polarity',
    });
  });
});

describe('RelayTarget', () => {
  let remote: FakeRemote;
  beforeEach(() => {
    remote = new FakeRemote();
    remote.publish(SYSTEM, { '/Relay/0/State': 0, '/Relay/1/State': 0 });
    remote.publish(SETTINGS, {
      '/Settings/Relay/Function': 0,
      '/Settings/Relay/1/Function': 2,
      '/Settings/Relay/0/InitialState': 1,
      '/Settings/Relay/1/InitialState': 1,
    });
  });

  it('drives a manual relay through systemcalc, with invert', async () => {
    const relay = new RelayTarget({ type: 'relay', relay: 2, invert: true }, remote);
    expect(await relay.apply(true)).toEqual({ status: 'ok', message: '' });
    expect(remote.writesTo(SYSTEM, '/Relay/1/State')).toEqual([0]);
    await relay.apply(false);
    expect(remote.writesTo(SYSTEM, '/Relay/1/State')).toEqual([0, 1]);
  });

  it('warns while the polarity is normally closed, unless invert undoes it', async () => {
    const plain = new RelayTarget({ type: 'relay', relay: 2, invert: false }, remote);
    const inverted = new RelayTarget({ type: 'relay', relay: 2, invert: true }, remote);
    const seen: Array<string | null> = [];
    plain.onWarning((w) => seen.push(w));
    inverted.onWarning((w) => seen.push(`inverted: ${w}`));
    plain.start();
    inverted.start();
    remote.set(SETTINGS, '/Settings/Relay/1/Polarity', 1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(
      /^relay 2 polarity is 'normally closed' .*\/Settings\/Relay\/1\/Polarity = 1/,
    );
    expect(plain.problem()).toBe(seen[0]);
    expect(inverted.problem()).toBeNull();
    // Still driven: the installer's setting is theirs to choose.
    expect((await plain.apply(true)).status).toBe('ok');
    remote.set(SETTINGS, '/Settings/Relay/1/Polarity', 0);
    expect(seen).toEqual([seen[0], null]);
    expect(plain.problem()).toBeNull();
    plain.stop();
    inverted.stop();
  });

  it('refuses a relay whose function is not manual and re-applies once it is', async () => {
    const relay = new RelayTarget({ type: 'relay', relay: 1, invert: false }, remote);
    const seen: Array<[boolean, string]> = [];
    relay.onResult((on, r) => seen.push([on, r.status]));
    relay.start();
    const r = await relay.apply(true);
    expect(r.status).toBe('refused');
    expect(r.message).toBe("relay 1 function is 'alarm' (0), not manual: not driven");
    expect(relay.problem()).toBe(r.message);
    expect(remote.writesTo(SYSTEM, '/Relay/0/State')).toEqual([]);
    remote.set(SETTINGS, '/Settings/Relay/Function', 2);
    await settle();
    expect(remote.writesTo(SYSTEM, '/Relay/0/State')).toEqual([1]);
    expect(seen).toEqual([[true, 'ok']]);
    expect(relay.problem()).toBeNull();
    // the user takes it back: reported at once
    remote.set(SETTINGS, '/Settings/Relay/Function', 1);
    expect(seen[1]).toEqual([true, 'refused']);
    expect(relay.problem()).toMatch(/'genset start\/stop' \(1\)/);
    relay.stop();
  });

  it('reads the function with GetValue when not started', async () => {
    const relay = new RelayTarget({ type: 'relay', relay: 2, invert: false }, remote);
    await relay.apply(true);
    expect(remote.reads).toEqual([{ service: SETTINGS, path: '/Settings/Relay/1/Function' }]);
    expect(remote.writesTo(SYSTEM, '/Relay/1/State')).toEqual([1]);
  });

  it('refuses when the function cannot be read, reports a refused write as error', async () => {
    remote.remove(SETTINGS);
    const relay = new RelayTarget({ type: 'relay', relay: 1, invert: false }, remote);
    expect((await relay.apply(true)).message).toMatch(/function unknown/);
    remote.publish(SETTINGS, { '/Settings/Relay/Function': 2 });
    const relay2 = new RelayTarget({ type: 'relay', relay: 1, invert: false }, remote);
    remote.refuseWrites.add(`${SYSTEM} /Relay/0/State`);
    const r = await relay2.apply(true);
    expect(r).toEqual({
      status: 'error',
      message: 'relay 1: com.victronenergy.system refused /Relay/0/State = 1',
    });
  });

  it('a 3rd relay without a function setting behaves as manual (systemcalc does not manage it)', async () => {
    remote.publish(SYSTEM, { '/Relay/2/State': 0 });
    const relay = new RelayTarget({ type: 'relay', relay: 3, invert: false }, remote);
    expect((await relay.apply(true)).status).toBe('ok');
  });

  it('boot policy safe keeps InitialState at the safe raw level after every drive', async () => {
    const relay = new RelayTarget({ type: 'relay', relay: 2, invert: false }, remote, {
      bootLevel: false,
    });
    await relay.apply(true);
    expect(remote.peek(SETTINGS, '/Settings/Relay/1/InitialState')).toBe(0);
    const inverted = new RelayTarget({ type: 'relay', relay: 2, invert: true }, remote);
    await inverted.writeInitialState(false);
    expect(remote.peek(SETTINGS, '/Settings/Relay/1/InitialState')).toBe(1);
  });
});

describe('simple targets', () => {
  it('switch, device and buzzer write the right path and value, with invert', async () => {
    const remote = new FakeRemote();
    remote.publish('com.victronenergy.switch.ttyUSB1', { '/SwitchableOutput/3/State': 0 });
    remote.publish('com.victronenergy.vebus.ttyS4', { '/Mode': 3 });
    remote.publish(SYSTEM, { '/Buzzer/State': 0 });
    const sw = new SwitchTarget(
      { type: 'switch', service: 'com.victronenergy.switch.ttyUSB1', channel: 3, invert: true },
      remote,
    );
    const dev = new DeviceTarget(
      {
        type: 'device',
        service: 'com.victronenergy.vebus.ttyS4',
        path: '/Mode',
        onValue: 3,
        offValue: 4,
        invert: false,
      },
      remote,
    );
    const buzzer = new BuzzerTarget({ type: 'buzzer', invert: false }, remote);
    await sw.apply(true);
    await dev.apply(false);
    await buzzer.apply(true);
    expect(remote.writes.map((w) => [w.path, w.value])).toEqual([
      ['/SwitchableOutput/3/State', 0],
      ['/Mode', 4],
      ['/Buzzer/State', 1],
    ]);
    remote.remove('com.victronenergy.vebus.ttyS4');
    const r = await dev.apply(true);
    expect(r.status).toBe('error');
    expect(dev.problem()).toMatch(/write of 3 refused or failed/);
  });

  it('gpio target writes 1/0 relative to gpioRoot and reports write errors', async () => {
    const board = SimBoard.create(join(mkdtempSync(join(tmpdir(), 'smallbms-t-')), 'gpio'));
    const t = new GpioTarget({ type: 'gpio', path: 'relay_1/value', invert: false }, board.root);
    await t.apply(true);
    expect(board.readRelay(1)).toBe(1);
    const bad = new GpioTarget(
      { type: 'gpio', path: '/nonexistent/dir/value', invert: false },
      '/',
    );
    const r = await bad.apply(true);
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/write of 1 failed \(ENOENT\)/);
    board.destroy();
  });

  it('dvcc records the level and notifies changes only', async () => {
    const dvcc = new DvccTarget({ type: 'dvcc', invert: false });
    const seen: boolean[] = [];
    dvcc.onChange((a) => seen.push(a));
    expect(dvcc.allowed).toBeNull();
    await dvcc.apply(false);
    await dvcc.apply(false);
    await dvcc.apply(true);
    expect(seen).toEqual([false, true]);
    expect(dvcc.allowed).toBe(true);
  });

  it('buildTargets makes one target per config entry, safe boot for relays', () => {
    const remote = new FakeRemote();
    const built = buildTargets(
      {
        gpioRoot: '/dev/gpio',
        bootPolicy: 'safe',
        outputs: {
          load: [
            { type: 'relay', relay: 1, invert: false },
            { type: 'dvcc', invert: false },
          ],
          charge: [{ type: 'relay', relay: 2, invert: false }],
          preAlarm: [
            { type: 'buzzer', invert: false },
            { type: 'gpio', path: 'led/value', invert: false },
          ],
        },
      },
      remote,
    );
    expect(built.byOutput.load.map((t) => t.type)).toEqual(['relay', 'dvcc']);
    expect(built.relays).toHaveLength(2);
    expect(built.dvcc.map((d) => d.output)).toEqual(['load']);
    expect(built.byOutput.preAlarm[1].describe()).toBe('gpio /dev/gpio/led/value');
    expect(() =>
      buildTargets({
        gpioRoot: '/',
        bootPolicy: 'hold',
        outputs: { load: [{ type: 'relay', relay: 1, invert: false }], charge: [], preAlarm: [] },
      }),
    ).toThrow(/needs D-Bus/);
  });
});
