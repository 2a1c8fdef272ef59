/**
 * The D-Bus face's start-up order (0.2.1): settings and the device instance are claimed at
 * once, the bus name only after the first decision (`decided`), with the latest published
 * values; a stop at any point leaves no name behind; a CustomName changed in the console
 * before the name is requested is not lost. Real dbus-daemon, localsettings stand-in.
 */
import { DbusFace } from '../../service/src/app/dbus-face';
import { parseConfigText } from '../../service/src/config/load';
import type { SmallBmsConfig } from '../../service/src/config/types';
import { LocalSettingsStandIn } from '../../service/src/sim/localsettings';
import type { Bus } from '../../service/src/venus/bus';
import { minimalConfig } from '../config/helpers';
import { sleep, until, usePrivateBus } from '../helpers/dbus';

const NAME = 'com.victronenergy.battery.smallbms';
const NAME_SETTING = '/Settings/SmallBms/Default/CustomName';
const testBus = usePrivateBus();
let settings: LocalSettingsStandIn;

function config(): SmallBmsConfig {
  const r = parseConfigText(JSON.stringify(minimalConfig()), 'test.json', { baseDir: '/tmp' });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

function face(bus: Bus): DbusFace {
  return new DbusFace({
    bus,
    config: config(),
    version: 'test',
    serial: 'test',
    onTunables: () => undefined,
    handlers: {
      onMode: async () => true,
      onDryRun: async () => true,
      onTestOutput: async () => ({ ok: true }),
    } as never,
    log: () => undefined,
  });
}

async function owner(bus: Bus): Promise<boolean> {
  const [has] = await bus.call({
    destination: 'org.freedesktop.DBus',
    path: '/org/freedesktop/DBus',
    interface: 'org.freedesktop.DBus',
    member: 'NameHasOwner',
    signature: 's',
    body: [NAME],
  });
  return has === true;
}

beforeEach(async () => {
  settings = new LocalSettingsStandIn({ address: testBus.address() });
  await settings.start();
});
afterEach(() => settings.stop());

/** A face started with its decision held back, once its settings exist. */
async function startHeld(): Promise<{
  f: DbusFace;
  bus: Bus;
  watcher: Bus;
  decide: () => void;
  started: Promise<void>;
}> {
  const bus = await testBus.connect();
  const watcher = await testBus.connect();
  const f = face(bus);
  let decide = (): void => undefined;
  const started = f.start(undefined, new Promise<void>((r) => (decide = r)));
  await until(() => settings.get(NAME_SETTING) !== undefined, 'settings added');
  return { f, bus, watcher, decide, started };
}

test('the name waits for the first decision; the settings and instance do not', async () => {
  // The settings are created while the engine has not decided yet.
  const { f, watcher, decide, started } = await startHeld();
  await sleep(100);
  expect(await owner(watcher)).toBe(false);
  decide();
  await started;
  expect(f.registered).toBe(true);
  expect(await owner(watcher)).toBe(true);
  await f.stop();
  await until(() => !f.registered, 'closed');
});

test('stopped before the decision: the name is never requested', async () => {
  const { f, watcher, decide, started } = await startHeld();
  await f.stop();
  decide();
  await started;
  await sleep(100);
  expect(f.registered).toBe(false);
  expect(await owner(watcher)).toBe(false);
});

test('stopped while the name is being requested: the name is given back', async () => {
  const { f, watcher, decide, started } = await startHeld();
  await sleep(50);
  decide();
  // Stop a few microtasks later: register() is on its way to the daemon.
  await Promise.resolve();
  await Promise.resolve();
  const stopped = f.stop();
  await started;
  await stopped;
  await sleep(100);
  expect(await owner(watcher)).toBe(false);
});

test('a CustomName set in the console before the name is requested is kept', async () => {
  const { f, bus, decide, started } = await startHeld();
  await sleep(100); // the face follows the setting by now
  settings.set(NAME_SETTING, 'House bank');
  await sleep(100);
  decide();
  await started;
  const [value] = await bus.call({
    destination: NAME,
    path: '/CustomName',
    interface: 'com.victronenergy.BusItem',
    member: 'GetValue',
  });
  expect(JSON.stringify(value)).toContain('House bank');
  await f.stop();
});
