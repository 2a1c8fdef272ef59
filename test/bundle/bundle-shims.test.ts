/**
 * The bundle's stand-ins (scripts/bundle-shims/, aliased in scripts/bundle.js) behave as the
 * modules they replace when something does use them: same results, loaded on first use.
 */
import * as nodeCrypto from 'node:crypto';

/* eslint-disable @typescript-eslint/no-require-imports */
const shim = (name: string): Record<string, unknown> =>
  require(`../../scripts/bundle-shims/${name}.js`) as Record<string, unknown>;

test('lazy crypto: the same functions as node:crypto', () => {
  const c = shim('lazy-crypto') as unknown as typeof nodeCrypto;
  expect(c.createHash('sha1').update('abc').digest('hex')).toBe(
    nodeCrypto.createHash('sha1').update('abc').digest('hex'),
  );
  expect(c.randomBytes(16)).toHaveLength(16);
  expect('createHash' in c).toBe(true);
  expect(Object.keys(c)).toEqual(expect.arrayContaining(['createHash', 'randomBytes']));
});

test('lazy xml2js: Builder and Parser give what xml2js gives', async () => {
  interface Xml2js {
    Builder: new (o?: object) => { buildObject(tree: object): string };
    Parser: new (o?: object) => { parseStringPromise(xml: string): Promise<unknown> };
  }
  const real = require('xml2js') as Xml2js;
  const lazy = shim('lazy-xml2js') as unknown as Xml2js;
  const tree = { node: { $: { name: '/' }, interface: [{ $: { name: 'a.b' } }] } };
  const options = { headless: true };
  expect(new lazy.Builder(options).buildObject(tree)).toBe(
    new real.Builder(options).buildObject(tree),
  );
  const xml = '<node name="/"><interface name="a.b"/></node>';
  expect(await new lazy.Parser().parseStringPromise(xml)).toEqual(
    await new real.Parser().parseStringPromise(xml),
  );
});

test('lazy worker-timers: the functions mqtt.js reads at load are there (it calls them only in a browser)', async () => {
  const t = shim('lazy-worker-timers') as {
    setInterval: (f: () => void, ms: number) => number;
    clearInterval: (id: number) => void;
  };
  expect(typeof t.setInterval).toBe('function');
  expect(typeof t.clearInterval).toBe('function');
});

test('worker_threads and thread-stream: main thread, and a clear error if a worker is asked for', () => {
  const w = shim('worker-threads') as { isMainThread: boolean; Worker: new () => unknown };
  expect(w.isMainThread).toBe(true);
  expect(() => new w.Worker()).toThrow(/not part of the smallbms bundle/);
  const ThreadStream = require('../../scripts/bundle-shims/thread-stream.js') as new () => unknown;
  expect(() => new ThreadStream()).toThrow(/pino transports/);
});
