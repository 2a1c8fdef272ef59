/**
 * Issue 13, memory: the running service (the real bundle, MQTT on, on a simulated GX) does not
 * load the Node modules it never uses (docs/performance.md "What the service loads"): TLS,
 * HTTP, zlib, crypto, worker threads, fs.promises. Each costs RSS on the GX. The bundle's
 * stand-ins for them (scripts/bundle-shims/) still work when something does need them:
 * dbus-next's own Introspect reply (xml2js) is checked here through the real bus.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureBundle } from '../../scripts/bundle.js';
import { SimGx } from '../../service/src/sim/gx';
import { connectBus, type Bus } from '../../service/src/venus/bus';
import { startBroker, waitFor, type TestBroker } from '../mqtt/helpers';
import { SERVICE, getRemote, tempRoot, waitFor as waitValue } from './harness';
import { serviceNode } from '../helpers/runtime';

/**
 * Whether the Node that runs the service (SMALLBMS_TEST_NODE) loads fs/promises for any
 * `require('fs')`: Node 18 and Node 20 up to at least 20.11 do (their loader of built-in
 * modules reads every export of `fs`, the lazy `fs.promises` too), 20.20 and 24 do not.
 */
const fsLoadsPromises =
  execFileSync(
    serviceNode(),
    [
      '-e',
      "require('fs'); process.stdout.write(String(process.moduleLoadList.includes('NativeModule internal/fs/promises')))",
    ],
    { encoding: 'utf8' },
  ) === 'true';

/** Node's built-in modules that the service must not load on a GX with a plain MQTT broker. */
const UNUSED = [
  'crypto',
  'tls',
  'http',
  'https',
  'zlib',
  'worker_threads',
  ...(fsLoadsPromises ? [] : ['internal/fs/promises']),
  'dns',
];

let gx: SimGx;
let broker: TestBroker;
let bus: Bus;
let proc: ReturnType<SimGx['spawnService']>;
let listFile: string;

beforeAll(async () => {
  broker = await startBroker();
  const root = tempRoot('lean');
  gx = await SimGx.start({
    root,
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    node: serviceNode(),
  });
  bus = await connectBus(gx.address ?? undefined);
  // A preload that writes the list of loaded built-in modules every 100 ms.
  listFile = path.join(root, 'modules.txt');
  const hook = path.join(root, 'hook.js');
  fs.writeFileSync(
    hook,
    `const fs = require('fs');
     setInterval(() => {
       fs.writeFileSync(${JSON.stringify(listFile)} + '.tmp', process.moduleLoadList.join('\\n'));
       fs.renameSync(${JSON.stringify(listFile)} + '.tmp', ${JSON.stringify(listFile)});
     }, 100).unref();`,
  );
  proc = gx.spawnService(ensureBundle(), [], { NODE_OPTIONS: `--require ${hook}` });
  await waitFor(
    () => broker.subscriptions.has('smallbms/simgx/set'),
    15000,
    'service connected to MQTT and subscribed',
  );
}, 30000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
  }
  bus?.disconnect();
  await gx?.stop();
  await broker?.close();
});

function loaded(): string[] {
  return fs
    .readFileSync(listFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('NativeModule '))
    .map((l) => l.slice('NativeModule '.length));
}

test('the running service, on D-Bus and MQTT, loads none of the modules it does not use', async () => {
  // Protecting, on D-Bus, connected to MQTT: every start-up path has run.
  const state = await waitValue(
    () => getRemote(bus, SERVICE, '/Bms/State'),
    (v) => typeof v === 'number',
    'service on D-Bus',
    10000,
  );
  expect(typeof state).toBe('number');
  await new Promise((r) => setTimeout(r, 300));
  const modules = loaded();
  expect(modules).toContain('net'); // the list is real
  expect(modules.filter((m) => UNUSED.includes(m))).toEqual([]);
});

test("dbus-next's own Introspect reply still works (xml2js is loaded on first use)", async () => {
  // A path nobody exports: our BusItem handler declines, dbus-next answers from its
  // exported-object tree, building the XML with xml2js.
  const [xml] = await bus.call({
    destination: SERVICE,
    path: '/No/Such/Object',
    interface: 'org.freedesktop.DBus.Introspectable',
    member: 'Introspect',
  });
  expect(String(xml)).toMatch(/<node\/>/);
});
