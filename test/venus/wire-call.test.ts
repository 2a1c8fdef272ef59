/**
 * wire.ts's method calls (SetValue with a plain variant, calls without arguments): the same
 * bytes as dbus-next for the same call, answered through the real dbus-daemon by a BusItem
 * service, errors delivered as errors; names that are not valid D-Bus names are left to
 * dbus-next (a bad message would make the daemon drop our whole connection).
 */
import * as dbus from 'dbus-next';
import { BusCallError, Typed } from '../../service/src/venus/bus';
import { BusItemService } from '../../service/src/venus/busitem';
import { callEncodable, encodeMethodCall } from '../../service/src/venus/wire';
import { usePrivateBus } from '../helpers/dbus';

/* eslint-disable @typescript-eslint/no-require-imports */
const { marshallMessage } = require('dbus-next/lib/marshall-compat') as {
  marshallMessage: (m: unknown) => [Buffer, unknown[]];
};
/* eslint-enable @typescript-eslint/no-require-imports */

const BUSITEM = 'com.victronenergy.BusItem';

function byDbusNext(
  serial: number,
  destination: string,
  path: string,
  iface: string,
  member: string,
  signature: string,
  body: Typed[],
): Buffer {
  const msg = new dbus.Message({
    destination,
    path,
    interface: iface || undefined,
    member,
    signature,
    body: body.map((t) => new dbus.Variant(t.signature, t.value)),
  });
  msg.serial = serial;
  return marshallMessage(msg)[0];
}

test.each([
  [
    'SetValue i',
    'com.victronenergy.system',
    '/Relay/0/State',
    BUSITEM,
    'SetValue',
    'v',
    [new Typed('i', 1)],
  ],
  [
    'SetValue d',
    'com.victronenergy.settings',
    '/Settings/X/Y',
    BUSITEM,
    'SetValue',
    'v',
    [new Typed('d', 13.35)],
  ],
  [
    'SetValue s',
    'com.victronenergy.settings',
    '/Settings/SmallBms/Default/CustomName',
    BUSITEM,
    'SetValue',
    'v',
    [new Typed('s', 'Haus – Bank ⚡')],
  ],
  [
    'SetValue u',
    'com.victronenergy.settings',
    '/A',
    BUSITEM,
    'SetValue',
    'v',
    [new Typed('u', 4000000000)],
  ],
  [
    'SetValue invalid',
    'com.victronenergy.vebus.ttyS4',
    '/Mode',
    BUSITEM,
    'SetValue',
    'v',
    [new Typed('ai', [])],
  ],
  ['GetValue', 'com.victronenergy.digitalinput.input_1', '/State', BUSITEM, 'GetValue', '', []],
  ['GetItems on /', 'com.victronenergy.battery.ttyS5', '/', BUSITEM, 'GetItems', '', []],
  ['no interface', ':1.42', '/Soc', '', 'GetValue', '', []],
] as [string, string, string, string, string, string, Typed[]][])(
  '%s: the bytes dbus-next writes',
  (_name, destination, path, iface, member, signature, body) => {
    for (const serial of [1, 77, 65536]) {
      expect(callEncodable(destination, path, iface, member, signature, body)).toBe(true);
      const ours = encodeMethodCall(serial, destination, path, iface, member, signature, body);
      expect(
        ours.equals(byDbusNext(serial, destination, path, iface, member, signature, body)),
      ).toBe(true);
    }
  },
);

test('invalid names, other signatures and unknown variants are left to dbus-next', () => {
  const v = [new Typed('i', 1)];
  expect(
    callEncodable('com.victronenergy.system', '/Relay/0/State', BUSITEM, 'SetValue', 'v', v),
  ).toBe(true);
  expect(
    callEncodable('com.victronenergy.system', '/Relay 0/State', BUSITEM, 'SetValue', 'v', v),
  ).toBe(false);
  expect(callEncodable('com.victronenergy.system', 'Relay/0', BUSITEM, 'SetValue', 'v', v)).toBe(
    false,
  );
  expect(callEncodable('com.victronenergy.system', '/Relay/0/', BUSITEM, 'SetValue', 'v', v)).toBe(
    false,
  );
  expect(callEncodable('nodots', '/Relay/0/State', BUSITEM, 'SetValue', 'v', v)).toBe(false);
  expect(
    callEncodable('com.victronenergy.system', '/Relay/0/State', 'BusItem', 'SetValue', 'v', v),
  ).toBe(false);
  expect(
    callEncodable('com.victronenergy.system', '/Relay/0/State', BUSITEM, 'Set-Value', 'v', v),
  ).toBe(false);
  expect(callEncodable('com.victronenergy.system', '/x', BUSITEM, 'AddMatch', 's', ['a'])).toBe(
    false,
  );
  expect(
    callEncodable('com.victronenergy.system', '/x', BUSITEM, 'SetValue', 'v', [
      new Typed('b', true),
    ]),
  ).toBe(false);
  expect(
    callEncodable('com.victronenergy.system', '/x', BUSITEM, 'SetValue', 'v', [
      new Typed('i', 2 ** 40),
    ]),
  ).toBe(false);
  expect(
    callEncodable('com.victronenergy.system', '/x', BUSITEM, 'GetValue', '', [new Typed('i', 1)]),
  ).toBe(false);
});

describe('through the daemon', () => {
  const testBus = usePrivateBus();

  test('replies and errors come back to the caller', async () => {
    const server = await testBus.connect();
    const svc = new BusItemService(server, 'com.victronenergy.test', { refusedCode: -1 });
    svc.add('/Value', { type: 'i', value: 5, writable: { min: 0, max: 10 } });
    await svc.register();
    const client = await testBus.connect();
    const call = (member: string, path: string, body: Typed[] = []) =>
      client.call({
        destination: 'com.victronenergy.test',
        path,
        interface: BUSITEM,
        member,
        signature: body.length ? 'v' : '',
        body,
      });
    expect(await call('GetValue', '/Value')).toEqual([new Typed('i', 5)]);
    expect(await call('SetValue', '/Value', [new Typed('i', 7)])).toEqual([0]);
    expect(await call('GetValue', '/Value')).toEqual([new Typed('i', 7)]);
    // Out of range: refused by the service, nothing changes.
    expect(await call('SetValue', '/Value', [new Typed('i', 99)])).not.toEqual([0]);
    expect(await call('GetValue', '/Value')).toEqual([new Typed('i', 7)]);
    // An error reply (no such service) arrives as an error, not as a value.
    await expect(
      client.call({
        destination: 'com.victronenergy.nobody',
        path: '/x',
        interface: BUSITEM,
        member: 'GetValue',
      }),
    ).rejects.toBeInstanceOf(BusCallError);
    // An invalid path goes to dbus-next, which refuses it; the connection survives.
    await expect(
      client.call({
        destination: 'com.victronenergy.test',
        path: '/bad path',
        interface: BUSITEM,
        member: 'GetValue',
      }),
    ).rejects.toThrow();
    expect(await call('GetValue', '/Value')).toEqual([new Typed('i', 7)]);
    await svc.close();
  });
});
