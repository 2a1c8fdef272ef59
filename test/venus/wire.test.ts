/**
 * wire.ts, our encoder for ItemsChanged/PropertiesChanged: the same bytes as dbus-next for
 * the same message, decoded by dbus-next, accepted by dbus-daemon (it validates every message
 * and drops a connection that sends a bad one) and read by libdbus's dbus-monitor, the
 * library under velib_python's dbus-python.
 */
import { spawn } from 'node:child_process';
import * as dbus from 'dbus-next';
import { Typed, type BusSignal } from '../../service/src/venus/bus';
import { BusItemService } from '../../service/src/venus/busitem';
import { plain } from '../../service/src/venus/values';
import {
  encodable,
  encodeSignal,
  ITEMS_CHANGED_SIGNATURE,
  PROPERTIES_CHANGED_SIGNATURE,
} from '../../service/src/venus/wire';
import { sleep, until, usePrivateBus } from '../helpers/dbus';

/* eslint-disable @typescript-eslint/no-require-imports */
const { marshallMessage } = require('dbus-next/lib/marshall-compat') as {
  marshallMessage: (m: unknown) => [Buffer, unknown[]];
};
const { unmarshall } = require('dbus-next/lib/message') as {
  unmarshall: (b: Buffer) => { body: unknown[]; path: string; member: string; serial: number };
};
const { messageToJsFmt } = require('dbus-next/lib/marshall-compat') as {
  messageToJsFmt: (m: unknown) => { body: unknown[] };
};
/* eslint-enable @typescript-eslint/no-require-imports */

const BUSITEM = 'com.victronenergy.BusItem';
const INVALID = new Typed('ai', []);

function toLibrary(v: unknown): unknown {
  if (v instanceof Typed) return new dbus.Variant(v.signature, toLibrary(v.value));
  if (Array.isArray(v)) return v.map(toLibrary);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toLibrary(x)]));
  }
  return v;
}

function byDbusNext(
  serial: number,
  path: string,
  member: string,
  signature: string,
  body: unknown[],
): Buffer {
  const msg = dbus.Message.newSignal(path, BUSITEM, member, signature, body.map(toLibrary));
  msg.serial = serial;
  return marshallMessage(msg)[0];
}

const props = (value: Typed, text: string): Record<string, Typed> => ({
  Value: value,
  Text: new Typed('s', text),
});

const cases: [string, string, string, unknown[]][] = [
  [
    '/Soc',
    'PropertiesChanged',
    PROPERTIES_CHANGED_SIGNATURE,
    [props(new Typed('d', 81.3), '81.3%')],
  ],
  ['/Soc', 'PropertiesChanged', PROPERTIES_CHANGED_SIGNATURE, [props(INVALID, '---')]],
  ['/Mode', 'PropertiesChanged', PROPERTIES_CHANGED_SIGNATURE, [props(new Typed('i', -3), '-3')]],
  ['/X', 'PropertiesChanged', PROPERTIES_CHANGED_SIGNATURE, [props(new Typed('u', 0xb0f1), 'x')]],
  ['/X', 'PropertiesChanged', PROPERTIES_CHANGED_SIGNATURE, [{ Value: new Typed('ai', [1, -2]) }]],
  ['/', 'ItemsChanged', ITEMS_CHANGED_SIGNATURE, [{}]],
  [
    '/',
    'ItemsChanged',
    ITEMS_CHANGED_SIGNATURE,
    [
      {
        '/Soc': props(new Typed('d', 0.1), '0.1%'),
        '/Dc/0/Voltage': props(new Typed('d', -13.25), '-13.25V'),
        '/Bms/Notes': props(new Typed('s', 'Grüße → 12 V; "quoted"'), 'Grüße → 12 V'),
        '/Alarms/LowSoc': props(INVALID, '---'),
        '/Bms/State': props(new Typed('i', 2147483647), 'max'),
        '/Empty': props(new Typed('s', ''), ''),
      },
    ],
  ],
];

describe('encodeSignal', () => {
  test.each(cases)('%s %s: the bytes dbus-next writes, decoded back', (path, member, sig, body) => {
    expect(encodable(sig, body)).toBe(true);
    for (const serial of [1, 77, 123456]) {
      const ours = encodeSignal(serial, path, BUSITEM, member, sig, body);
      expect(ours.toString('hex')).toBe(
        byDbusNext(serial, path, member, sig, body).toString('hex'),
      );
      const decoded = messageToJsFmt(unmarshall(ours));
      expect(decoded.body.length).toBe(1);
      const back = JSON.parse(JSON.stringify(decoded.body[0], (_k, v: unknown) => v));
      expect(back).toEqual(JSON.parse(JSON.stringify(toLibrary(body[0]))));
    }
  });

  test('anything else is left to dbus-next', () => {
    expect(encodable('a{sv}', [{ Value: new Typed('b', true) }])).toBe(false);
    expect(encodable('a{sv}', [{ Value: new Typed('a{sv}', {}) }])).toBe(false);
    expect(encodable('a{sv}', [{ Value: new Typed('i', 1.5) }])).toBe(false);
    expect(encodable('a{sv}', [{ Value: new Typed('i', 2 ** 31) }])).toBe(false);
    expect(encodable('a{sv}', [{ Value: new Typed('s', 'a\0b') }])).toBe(false);
    expect(encodable('a{sv}', [{ Value: 3 }])).toBe(false);
    expect(encodable('s', ['x'])).toBe(false);
    expect(encodable('a{sa{sv}}', [{ '/A': { Value: new Typed('ai', [1.5]) } }])).toBe(false);
    expect(encodable('a{sa{sv}}', [{ '/A': props(new Typed('d', 1), '1') }, 2])).toBe(false);
  });
});

describe('on a real dbus-daemon', () => {
  const bus = usePrivateBus();

  test('a dbus-next consumer and libdbus (dbus-monitor) read our signals', async () => {
    const monitorOut: string[] = [];
    const mon = spawn(
      'dbus-monitor',
      ['--address', bus.address(), `type='signal',interface='${BUSITEM}'`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    mon.stdout.on('data', (d: Buffer) => monitorOut.push(d.toString()));
    try {
      const producer = await bus.connect();
      const consumer = await bus.connect();
      const seen: BusSignal[] = [];
      consumer.onSignal((s) => {
        if (s.sender === producer.uniqueName) seen.push(s);
      });
      await consumer.addMatch(`type='signal',sender='${producer.uniqueName}'`);
      await sleep(300); // dbus-monitor has subscribed
      const svc = new BusItemService(producer, 'com.victronenergy.battery.wiretest');
      svc.add('/Soc', { type: 'd', value: null, text: (v) => `${Number(v).toFixed(1)}%` });
      svc.add('/Bms/State', { type: 'i', value: 0 });
      svc.add('/Bms/Notes', { type: 's', value: '' });
      await svc.register();
      svc.setMany({ '/Soc': 81.5, '/Bms/State': 7, '/Bms/Notes': 'Grüße' });
      await until(() => seen.length >= 4, 'ItemsChanged and 3 PropertiesChanged');
      svc.set('/Soc', null);
      await until(() => seen.length >= 6, 'the invalid value');
      const items = seen.find((s) => s.member === 'ItemsChanged');
      expect(plain((items?.body[0] as Record<string, Record<string, Typed>>)['/Soc'].Value)).toBe(
        81.5,
      );
      const byPath = (p: string) =>
        seen.filter((s) => s.member === 'PropertiesChanged' && s.path === p);
      expect(plain((byPath('/Bms/State')[0].body[0] as Record<string, Typed>).Value)).toBe(7);
      expect(plain((byPath('/Bms/Notes')[0].body[0] as Record<string, Typed>).Value)).toBe('Grüße');
      expect(plain((byPath('/Soc')[1].body[0] as Record<string, Typed>).Value)).toBeUndefined();
      // The producer's connection is still alive: the daemon accepted every message.
      await expect(
        producer.call({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'GetId',
        }),
      ).resolves.toBeDefined();
      await until(() => monitorOut.join('').includes('array ['), 'dbus-monitor output');
      await sleep(200);
      const text = monitorOut.join('');
      expect(text).toContain('member=ItemsChanged');
      expect(text).toMatch(/string "\/Soc"[\s\S]*?variant\s+double 81\.5/);
      expect(text).toMatch(/string "Text"\s+variant\s+string "81\.5%"/);
      expect(text).toMatch(/variant\s+int32 7/);
      expect(text).toContain('string "Grüße"');
      expect(text).toMatch(
        /path=\/Soc; interface=com\.victronenergy\.BusItem; member=PropertiesChanged/,
      );
      await svc.close();
    } finally {
      mon.kill();
    }
  });
});
