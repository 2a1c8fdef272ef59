/** Connection options from the config: credentials, TLS material, will, bounded queues. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { MqttBridge, type BridgeLogger } from '../../service/src/mqtt/bridge';
import { clientOptions, DEFAULT_TUNING, safeUrl } from '../../service/src/mqtt/client-options';
import { FAST, IDS, PREFIX, memoryLogger, mqttConfig, startBroker, waitFor } from './helpers';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('will, clean session, no QoS 0 offline queue, tuning', () => {
  const o = clientOptions(mqttConfig(1883), IDS, `${PREFIX}/availability`, DEFAULT_TUNING);
  expect(o).toMatchObject({
    clientId: `smallbms_${IDS.portalId}_default`,
    clean: true,
    queueQoSZero: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    will: { topic: `${PREFIX}/availability`, qos: 1, retain: true },
  });
  expect(String(o.will?.payload)).toBe('offline');
  expect(o.username).toBeUndefined();
  expect(o.ca).toBeUndefined();
});

test('credentials and TLS: inline PEM or file paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smallbms-tls-'));
  writeFileSync(join(dir, 'ca.pem'), PEM);
  const o = clientOptions(
    mqttConfig(8883, {
      url: 'mqtts://broker.example:8883',
      username: 'gx',
      password: 'secret',
      tls: { ca: join(dir, 'ca.pem'), cert: PEM, key: '', rejectUnauthorized: false },
    }),
    IDS,
    `${PREFIX}/availability`,
    DEFAULT_TUNING,
  );
  expect(o).toMatchObject({ username: 'gx', password: 'secret', rejectUnauthorized: false });
  expect(o.ca).toBe(PEM);
  expect(o.cert).toBe(PEM);
  expect(o.key).toBeUndefined();
});

test('an unreadable TLS file: the bridge logs an error and stays off (never throws)', async () => {
  const logger = memoryLogger();
  const config = mqttConfig(1, {
    tls: { ca: '/nonexistent/ca.pem', rejectUnauthorized: true },
  });
  const bridge = new MqttBridge(config, IDS, logger, FAST);
  expect(() => bridge.start()).not.toThrow();
  expect(logger.entries).toContainEqual(expect.objectContaining({ level: 'error' }));
  await bridge.stop();
});

test('passwords never reach the log', () => {
  expect(safeUrl('mqtt://user:secret@host:1883')).toBe('mqtt://user:***@host:1883');
  expect(safeUrl('mqtt://host:1883')).toBe('mqtt://host:1883');
});

test('username and password are sent to the broker', async () => {
  const seen: string[] = [];
  const broker = await startBroker(0, {
    authenticate: (_client, username, password, done) => {
      seen.push(`${username}:${password?.toString()}`);
      done(null, username === 'gx' && password?.toString() === 'pw');
    },
  });
  const bridge = new MqttBridge(
    mqttConfig(broker.port, { username: 'gx', password: 'pw' }),
    IDS,
    memoryLogger(),
    FAST,
  );
  bridge.start();
  try {
    await waitFor(() => bridge.getStats().connected);
    expect(seen).toEqual(['gx:pw']);
  } finally {
    await bridge.stop();
    await broker.close();
  }
});

test('a pino logger is a BridgeLogger', async () => {
  const logger: BridgeLogger = pino({ level: 'silent' });
  const bridge = new MqttBridge(mqttConfig(1, { enabled: false }), IDS, logger, FAST);
  bridge.start();
  await bridge.stop();
});

test('wrong credentials: one warning with the reason, retries quietly', async () => {
  const broker = await startBroker(0, {
    authenticate: (_client, _username, _password, done) => done(null, false),
  });
  const logger = memoryLogger();
  const bridge = new MqttBridge(mqttConfig(broker.port, { username: 'x' }), IDS, logger, FAST);
  bridge.start();
  try {
    await waitFor(() => logger.entries.filter((e) => e.msg === 'MQTT error').length >= 3);
    const errors = logger.entries.filter((e) => e.msg === 'MQTT error');
    expect(errors[0]).toMatchObject({ level: 'warn', obj: { err: expect.any(String) } });
    expect(errors.slice(1).every((e) => e.level === 'debug')).toBe(true);
    expect(bridge.getStats().connected).toBe(false);
  } finally {
    await bridge.stop();
    await broker.close();
  }
});

test('a malformed URL: logged, no throw, protection goes on', async () => {
  const logger = memoryLogger();
  const bridge = new MqttBridge(mqttConfig(1, { url: 'not a url' }), IDS, logger, FAST);
  expect(() => bridge.start()).not.toThrow();
  expect(logger.entries).toContainEqual(expect.objectContaining({ level: 'error' }));
  await bridge.stop();
});
