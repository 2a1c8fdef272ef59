/**
 * The MQTT section of the README against the real service: an embedded aedes broker and the
 * REAL `smallbms run` on a simulated GX (test/e2e/harness.ts). The payloads it publishes are
 * captured (availability, state, an event, a few Home Assistant configs, the reply to a
 * command) and compared with the README's examples by their keys, recursively, and by their
 * topics: values (times, SoC, sequence numbers) may differ, a renamed, added or dropped key
 * or topic may not. The README's list of discovery topics and entity ids is compared with
 * every config the service publishes.
 *
 * SMALLBMS_MQTT_DOCS_DUMP=FILE writes what was captured there, to refresh the examples.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { MqttClient } from 'mqtt';
import { shutdown, startService, waitValue, type Running } from '../e2e/harness';
import {
  client,
  closeClient,
  recorder,
  sleep,
  startBroker,
  waitFor,
  type Received,
  type TestBroker,
} from '../mqtt/helpers';
import { REPO_ROOT } from './markdown-check';

const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
// SMALLBMS_PORTAL_ID=simgx is set by SimGx.spawnService; the README's examples use this id.
const PORTAL = 'simgx';
const DOC_PORTAL = 'c0619ab1c2d3';
const PREFIX = `smallbms/${PORTAL}`;

interface Example {
  name: string;
  topic: string;
  retained: boolean;
  payload: string;
}

/**
 * The README's examples: a line `<!-- mqtt-example NAME -->`, then a fenced block whose first
 * line is `TOPIC` (or `TOPIC  (retained)`) and the rest the payload.
 */
function examples(): Map<string, Example> {
  const out = new Map<string, Example>();
  const re = /<!-- mqtt-example ([\w-]+) -->\s*```[a-z]*\n([^\n]*)\n([\s\S]*?)```/g;
  for (const m of README.matchAll(re)) {
    const [, name, head, body] = m;
    const retained = /\(retained\)\s*$/.test(head);
    const topic = head.replace(/\s*\(retained\)\s*$/, '').trim();
    out.set(name, { name, topic, retained, payload: body.trim() });
  }
  return out;
}

/** Every key path of a JSON value: `a`, `a.b`, `a.c[]`, ... (array items merged). */
function shape(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) {
    const items = value.flatMap((v) => shape(v, `${at}[]`));
    return [...new Set(items)];
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const p = at === '' ? k : `${at}.${k}`;
      return [p, ...shape(v, p)];
    });
  }
  return [];
}

const sorted = (xs: string[]): string[] => [...new Set(xs)].sort();
const docTopic = (topic: string): string => topic.split(PORTAL).join(DOC_PORTAL);

let broker: TestBroker;
let r: Running;
const clients: MqttClient[] = [];
const captured = new Map<string, Received>();
let configs: Received[] = [];

async function subscriber(filter: string | string[]): Promise<Received[]> {
  const c = await client(broker.port);
  clients.push(c);
  return recorder(c, filter);
}

beforeAll(async () => {
  broker = await startBroker();
  r = await startService({ mqttUrl: `mqtt://127.0.0.1:${broker.port}` });
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  await waitFor(() => broker.subscriptions.has(`${PREFIX}/set`), 10000, 'subscribed to /set');

  // Retained: availability, state, the discovery configs.
  const retained = await subscriber([`${PREFIX}/availability`, `${PREFIX}/state`]);
  await waitFor(() => retained.length >= 2, 5000, 'retained availability and state');
  for (const m of retained) captured.set(m.topic.slice(PREFIX.length + 1), m);
  const ha = await subscriber('homeassistant/#');
  await waitFor(() => ha.length >= 10, 5000, 'discovery configs');
  await sleep(300);
  configs = ha.filter((m) => m.payload !== '');

  // An event: the charge line drops, then comes back.
  const live = await subscriber(`${PREFIX}/event`);
  r.gx.board.setInput(2, 1);
  await waitFor(() => live.length > 0, 5000, 'an event');
  captured.set('event', live[0]);
  r.gx.board.setInput(2, 0);

  // A command and its answer.
  const answers = await subscriber(`${PREFIX}/set/result`);
  const pub = await client(broker.port);
  clients.push(pub);
  await pub.publishAsync(`${PREFIX}/set`, '{"mode":"on"}', { qos: 1 });
  await waitFor(() => answers.length > 0, 5000, 'set/result');
  captured.set('set/result', answers[0]);
  await pub.publishAsync(`${PREFIX}/set`, '{"mode":"maybe"}', { qos: 1 });
  await waitFor(() => answers.length > 1, 5000, 'set/result refusal');
  captured.set('set/result-refused', answers[1]);

  const dump = process.env.SMALLBMS_MQTT_DOCS_DUMP;
  if (dump) {
    const all = [...captured.values(), ...configs].map((m) => ({
      topic: m.topic,
      retain: m.retain,
      payload: m.payload,
    }));
    fs.writeFileSync(dump, JSON.stringify(all, null, 2));
  }
}, 60000);

afterAll(async () => {
  for (const c of clients.splice(0)) await closeClient(c).catch(() => undefined);
  await shutdown(r);
  await broker.close();
});

const EXAMPLE_OF: [string, string][] = [
  ['availability', 'availability'],
  ['state', 'state'],
  ['event', 'event'],
  ['set-result', 'set/result'],
  ['set-result-refused', 'set/result-refused'],
];

test.each(EXAMPLE_OF)(
  'the README example "%s" has the topic and the keys the service publishes',
  (name, key) => {
    const doc = examples().get(name);
    expect(doc).toBeDefined();
    const got = captured.get(key) as Received;
    expect(doc?.topic).toBe(docTopic(got.topic));
    expect(doc?.retained).toBe(got.retain);
    if (name === 'availability') {
      expect(doc?.payload).toBe(got.payload);
      return;
    }
    const real = JSON.parse(got.payload) as unknown;
    const documented = JSON.parse(doc?.payload ?? 'null') as unknown;
    expect(sorted(shape(documented))).toEqual(sorted(shape(real)));
  },
);

test('the README examples of Home Assistant configs match the published ones, key for key', () => {
  const docs = [...examples().values()].filter((e) => e.name.startsWith('ha-'));
  expect(docs.length).toBeGreaterThanOrEqual(3);
  for (const doc of docs) {
    const got = configs.find((m) => docTopic(m.topic) === doc.topic);
    expect({ topic: doc.topic, found: got !== undefined }).toEqual({
      topic: doc.topic,
      found: true,
    });
    expect(doc.retained).toBe(true);
    const real = JSON.parse(got?.payload ?? '{}') as Record<string, unknown>;
    const documented = JSON.parse(doc.payload) as Record<string, unknown>;
    expect(sorted(shape(documented))).toEqual(sorted(shape(real)));
    // The parts a user copies into automations are exact.
    for (const k of [
      'unique_id',
      'default_entity_id',
      'state_topic',
      'command_topic',
      'value_template',
    ]) {
      if (k in real)
        expect({ k, v: documented[k] }).toEqual({
          k,
          v: typeof real[k] === 'string' ? docTopic(String(real[k])) : real[k],
        });
    }
    // The version shown is this release's (a trial found 0.2.1 in the 0.3.0 README).
    const version = (o: Record<string, unknown>, k: string): unknown =>
      (o[k] as { sw_version?: unknown } | undefined)?.sw_version;
    for (const k of ['device', 'origin']) {
      if (k in real) expect({ k, v: version(documented, k) }).toEqual({ k, v: version(real, k) });
    }
  }
});

test('the README lists every discovery topic and entity id the service publishes, and no other', () => {
  // The table rows: | `homeassistant/<component>/<node>/<key>/config` | `<entity id>` | ... |
  const rows = [
    ...README.matchAll(
      /^\| `(homeassistant\/[a-z_]+\/[a-z0-9_]+\/[a-z0-9_]+\/config)` \| `([a-z_]+\.[a-z0-9_]+)` \|/gm,
    ),
  ].map((m) => `${m[1]} ${m[2]}`);
  const real = configs.map((m) => {
    const c = JSON.parse(m.payload) as { default_entity_id: string };
    return `${docTopic(m.topic)} ${c.default_entity_id}`;
  });
  expect(sorted(rows)).toEqual(sorted(real));
});
