/** `<prefix>/set`: the pure validator (table + fuzz), then the same through a real broker. */
import fc from 'fast-check';
import { MqttBridge } from '../../service/src/mqtt/bridge';
import type { RemoteCommand } from '../../service/src/mqtt/command';
import { MAX_COMMAND_BYTES, parseCommand } from '../../service/src/mqtt/command';
import {
  FAST,
  IDS,
  PREFIX,
  client,
  closeClient,
  memoryLogger,
  mqttConfig,
  recorder,
  startBroker,
  waitFor,
} from './helpers';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('parseCommand (pure)', () => {
  test.each([
    ['{"mode":"on"}', 'on'],
    ['{"mode":"off"}', 'standby'],
    [' { "mode" : "on" } \n', 'on'],
  ])('accepts %j', (payload, mode) => {
    expect(parseCommand(b(payload), false)).toEqual({ ok: true, cmd: { mode } });
  });

  const refused: [string, Buffer, boolean, RegExp][] = [
    ['retained', b('{"mode":"on"}'), true, /retained/],
    ['empty', b(''), false, /empty/],
    ['too large', Buffer.alloc(MAX_COMMAND_BYTES + 1, 0x20), false, /too large/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), false, /UTF-8/],
    ['not JSON', b('on'), false, /not JSON/],
    ['bare string', b('"on"'), false, /object/],
    ['array', b('[{"mode":"on"}]'), false, /object/],
    ['null', b('null'), false, /object/],
    ['number', b('3'), false, /object/],
    ['no key', b('{}'), false, /missing/],
    ['extra key', b('{"mode":"on","force":true}'), false, /unexpected key/],
    ['wrong key', b('{"Mode":"on"}'), false, /unexpected key/],
    ['number mode', b('{"mode":3}'), false, /string/],
    ['boolean mode', b('{"mode":true}'), false, /string/],
    ['null mode', b('{"mode":null}'), false, /string/],
    ['standby', b('{"mode":"standby"}'), false, /"on" or "off"/],
    ['upper case', b('{"mode":"ON"}'), false, /"on" or "off"/],
    ['padded value', b('{"mode":" on"}'), false, /"on" or "off"/],
    ['duplicate keys', b('{"mode":"off","mode":"on"}'), false, /duplicate/],
    ['escaped', b('{"mode":"\\u006fn"}'), false, /escaped/],
    ['Victron style', b('{"value":252}'), false, /unexpected key/],
    ['__proto__', b('{"__proto__":{"mode":"on"}}'), false, /unexpected key|missing/],
  ];
  test.each(refused)('refuses %s', (_name, payload, retained, reason) => {
    const r = parseCommand(payload, retained);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });

  test('fuzz: never throws, accepts only the two canonical commands', () => {
    const payloads = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      fc.string({ maxLength: 64 }).map(b),
      fc.json().map(b),
      fc
        .record({ mode: fc.oneof(fc.constantFrom('on', 'off', 'standby'), fc.anything()) })
        .map((o) => b(JSON.stringify(o))),
    );
    fc.assert(
      fc.property(payloads, fc.boolean(), (payload, retained) => {
        const r = parseCommand(payload, retained);
        const compact = payload.toString('utf8').replace(/\s+/g, '');
        const canonical = compact === '{"mode":"on"}' || compact === '{"mode":"off"}';
        expect(r.ok).toBe(canonical && !retained);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('commands through the broker', () => {
  test('valid commands reach onCommand; bad ones are refused, logged, answered; fuzz', async () => {
    const broker = await startBroker();
    const logger = memoryLogger();
    const bridge = new MqttBridge(mqttConfig(broker.port), IDS, logger, FAST);
    const received: RemoteCommand[] = [];
    bridge.onCommand((cmd) => received.push(cmd));
    bridge.start();
    const c = await client(broker.port);
    const replies = await recorder(c, `${PREFIX}/set/result`);
    await waitFor(() => broker.subscriptions.has(`${PREFIX}/set`), 3000, 'bridge subscribed');
    const send = async (payload: Buffer): Promise<{ ok: boolean; error?: string }> => {
      const before = replies.length;
      await c.publishAsync(`${PREFIX}/set`, payload, { qos: 1 });
      await waitFor(() => replies.length > before, 2000, 'command result');
      return JSON.parse(replies[before].payload) as { ok: boolean; error?: string };
    };

    try {
      expect(await send(b('{"mode":"off"}'))).toEqual({ ok: true, mode: 'off' });
      expect(await send(b('{"mode":"on"}'))).toEqual({ ok: true, mode: 'on' });
      expect(received).toEqual([{ mode: 'standby' }, { mode: 'on' }]);

      const bad = await send(b('{"mode":"on","extra":1}'));
      expect(bad.ok).toBe(false);
      expect(bad.error).toMatch(/unexpected key/);
      const huge = await send(Buffer.alloc(64 * 1024, 0x41));
      expect(huge.error).toMatch(/too large/);
      expect(received).toHaveLength(2);
      const warned = logger.entries.filter((e) => e.level === 'warn').map((e) => e.obj);
      expect(warned).toContainEqual(
        expect.objectContaining({ reason: expect.stringMatching(/unexpected key/) }),
      );

      // Fuzz through the real broker: every message gets exactly one answer, and only the
      // two canonical commands ever reach the listener.
      let expectedAccepted = received.length;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
            fc.json().map(b),
            fc.constantFrom(b('{"mode":"on"}'), b('{"mode":"off"}'), b('{"mode":"standby"}')),
          ),
          async (payload) => {
            const valid = parseCommand(payload, false).ok;
            const reply = await send(payload);
            if (valid) expectedAccepted++;
            expect(reply.ok).toBe(valid);
            expect(received).toHaveLength(expectedAccepted);
          },
        ),
        { numRuns: 150 },
      );
      expect(bridge.getStats().commandsAccepted).toBe(expectedAccepted);
    } finally {
      await closeClient(c);
      await bridge.stop();
      await broker.close();
    }
  });

  test('a retained command is not obeyed at start-up (a stale command must not switch on)', async () => {
    const broker = await startBroker();
    const c = await client(broker.port);
    const replies = await recorder(c, `${PREFIX}/set/result`);
    await c.publishAsync(`${PREFIX}/set`, '{"mode":"on"}', { qos: 1, retain: true });
    const logger = memoryLogger();
    const bridge = new MqttBridge(mqttConfig(broker.port), IDS, logger, FAST);
    const received: RemoteCommand[] = [];
    bridge.onCommand((cmd) => received.push(cmd));
    bridge.start();
    try {
      await waitFor(() => replies.length === 1);
      expect(JSON.parse(replies[0].payload)).toMatchObject({ ok: false });
      expect(received).toEqual([]);
      expect(logger.entries.some((e) => e.level === 'warn' && /refused/.test(e.msg ?? ''))).toBe(
        true,
      );
    } finally {
      await closeClient(c);
      await bridge.stop();
      await broker.close();
    }
  });

  test('a throwing listener does not crash the bridge', async () => {
    const broker = await startBroker();
    const bridge = new MqttBridge(mqttConfig(broker.port), IDS, memoryLogger(), FAST);
    bridge.onCommand(() => {
      throw new Error('boom');
    });
    bridge.start();
    const c = await client(broker.port);
    const replies = await recorder(c, `${PREFIX}/set/result`);
    try {
      await waitFor(() => broker.subscriptions.has(`${PREFIX}/set`), 3000, 'bridge subscribed');
      await c.publishAsync(`${PREFIX}/set`, '{"mode":"on"}');
      await waitFor(() => replies.length > 0);
      expect(JSON.parse(replies[0].payload)).toEqual({ ok: false, error: 'internal error' });
      expect(bridge.getStats().connected).toBe(true);
    } finally {
      await closeClient(c);
      await bridge.stop();
      await broker.close();
    }
  });
});
