/**
 * connectBroker: plain mqtt:// and tcp:// URLs get a client built without mqtt.js's transport
 * table (no ws/tls/socks modules); everything else goes to mqtt.js's connect() unchanged.
 * Checked against a real aedes broker: host, port, credentials and client id from the URL
 * arrive as mqtt.js's own connect() would send them.
 */
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { connectBroker, isPlainTcp } from '../../service/src/mqtt/connect';
import { startBroker, waitFor, type TestBroker } from './helpers';

interface Seen {
  clientId: string;
  username?: string;
  password?: string;
}

let broker: TestBroker;
const seen: Seen[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startBroker(0, {
    authenticate: (client, username, password, done) => {
      seen.push({ clientId: client.id, username, password: password?.toString() });
      done(null, username !== 'intruder');
    },
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  seen.length = 0;
});
afterAll(() => broker.close());

const base: IClientOptions = { clientId: 'from-options', reconnectPeriod: 0, protocolVersion: 4 };

async function connected(url: string, opts: IClientOptions = base): Promise<MqttClient> {
  const c = connectBroker(url, opts);
  clients.push(c);
  await waitFor(() => c.connected, 3000, `connected to ${url}`);
  return c;
}

test('plain URLs are built here; TLS, WebSocket, client certificates and proxies go to mqtt.js', () => {
  expect(isPlainTcp('mqtt://127.0.0.1:1883', base)).toBe(true);
  expect(isPlainTcp('tcp://localhost', base)).toBe(true);
  expect(isPlainTcp('mqtt://[::1]:1883', base)).toBe(true);
  for (const url of ['mqtts://h:8883', 'ssl://h', 'ws://h:9001', 'wss://h/mqtt']) {
    expect(isPlainTcp(url, base)).toBe(false);
  }
  // mqtt.js turns mqtt:// into mqtts:// when given a client certificate and key.
  expect(isPlainTcp('mqtt://h', { ...base, cert: 'c', key: 'k' })).toBe(false);
  expect(isPlainTcp('not a url', base)).toBe(false);
  const saved = process.env.MQTTJS_SOCKS_PROXY;
  process.env.MQTTJS_SOCKS_PROXY = 'socks5://127.0.0.1:1080';
  try {
    expect(isPlainTcp('mqtt://h', base)).toBe(false);
  } finally {
    if (saved === undefined) delete process.env.MQTTJS_SOCKS_PROXY;
    else process.env.MQTTJS_SOCKS_PROXY = saved;
  }
});

test('host and port come from the URL, options are kept, credentials from the options', async () => {
  const c = await connected(`mqtt://127.0.0.1:${broker.port}`, {
    ...base,
    username: 'gx',
    password: 'secret',
  });
  expect(seen).toEqual([{ clientId: 'from-options', username: 'gx', password: 'secret' }]);
  expect(c.options.port).toBe(broker.port);
  expect(c.options.protocolVersion).toBe(4);
});

test('credentials and clientId in the URL win, as with mqtt.js', async () => {
  await connected(`tcp://u%40x:pw@localhost:${broker.port}/?clientId=from-url`, {
    ...base,
    username: 'ignored',
  });
  expect(seen).toEqual([{ clientId: 'from-url', username: 'u@x', password: 'pw' }]);
});

test('an IPv6 literal connects without its brackets', async () => {
  const c = connectBroker(`mqtt://[::1]:${broker.port}`, base);
  clients.push(c);
  // ::1 may be missing on a build machine; the address handed to net is what matters.
  await new Promise((r) => setTimeout(r, 20));
  expect(c.options.hostname).toBe('::1');
});

test('a refused CONNACK surfaces as an error event', async () => {
  const c = connectBroker(`mqtt://127.0.0.1:${broker.port}`, { ...base, username: 'intruder' });
  clients.push(c);
  const error = await new Promise<Error>((resolve) => c.once('error', resolve));
  expect(String(error.message)).toMatch(/Not authorized|Bad username/i);
});

test('a malformed URL throws at once, as mqtt.js does', () => {
  expect(() => connectBroker('mqtt//no-colon', base)).toThrow();
});

// Read as mqtt.js reads it: the options our client gets are those mqtt.js's connect() would
// give its own, without connecting (manualConnect). Cases from the 0.2.1 review.
const parityBase: IClientOptions = {
  clientId: 'cfg',
  username: 'cfguser',
  password: 'cfgpass',
  manualConnect: true,
  reconnectPeriod: 0,
};
const seenBy = (o: IClientOptions): Record<string, unknown> => ({
  host: o.hostname ?? o.host,
  port: o.port,
  username: o.username,
  password: o.password,
  clientId: o.clientId,
  protocol: o.protocol,
});

test.each([
  'mqtt://127.0.0.1:1883',
  'tcp://localhost',
  'mqtt://u:p@h:1883',
  // mqtt.js splits user:pass at the last colon: user "u:pa", password "ss"
  'mqtt://u:pa:ss@h:1883',
  // mqtt.js keeps "u:" as the user name when the password is empty
  'mqtt://u:@h:1883',
  // url.parse gives an IDN host in punycode (WHATWG URL would leave it percent-encoded)
  'mqtt://bücher.example:1883',
  'mqtt://[::1]:1884',
  'mqtt://h/?clientId=a&clientId=b',
  'mqtt://h/?clientId=fromurl',
])('%s gives the options mqtt.js gives', (url) => {
  const ours = connectBroker(url, { ...parityBase });
  const theirs = mqttConnect(url, { ...parityBase });
  expect(seenBy(ours.options)).toEqual(seenBy(theirs.options));
});
