/**
 * Our own encoded messages on dbus-next's connection (bus.ts's fast path, docs/performance.md):
 * the signals the service sends all the time and the method calls of its reaction path are
 * written by wire.ts straight onto the socket under dbus-next, with dbus-next's serials (so
 * they interleave with its own messages), and the replies come back through dbus-next's table
 * of pending calls. Anything this cannot write, the caller sends through dbus-next.
 *
 * This and bus.ts are the only files that know dbus-next; this one reaches into two of its
 * internals (the connection's stream, the pending-call table), both checked by
 * test/venus/wire.test.ts and wire-call.test.ts through real daemons.
 */
import * as dbus from 'dbus-next';
import type { CallOptions } from './bus-api';
import { callEncodable, encodable, encodeMethodCall, encodeSignal } from './wire';

/** The socket under dbus-next's connection (the only way to its close event and writes). */
export type Stream = NodeJS.EventEmitter & {
  writable: boolean;
  write(data: Buffer): boolean;
  cork(): void;
  uncork(): void;
};

export function streamOf(lib: dbus.MessageBus): Stream | undefined {
  return (lib as unknown as { _connection?: { stream?: Stream } })._connection?.stream;
}

type ReplyHandler = (reply: dbus.Message) => void;

/** dbus-next's table of pending calls by serial (where its reader delivers each reply). */
function replyTableOf(lib: dbus.MessageBus): Record<number, ReplyHandler> | undefined {
  return (lib as unknown as { _methodReturnHandlers?: Record<number, ReplyHandler> })
    ._methodReturnHandlers;
}

/** What became of a signal: written here, the connection is gone, or dbus-next must send it. */
export type SignalOutcome = 'written' | 'closed' | 'library';

export class WirePath {
  private corked = false;

  constructor(private readonly lib: dbus.MessageBus) {}

  /**
   * ItemsChanged/PropertiesChanged with known variants; the signals of one tick leave in one
   * write (the socket is corked until the next tick).
   */
  signal(
    path: string,
    iface: string,
    member: string,
    signature: string,
    body: unknown[],
  ): SignalOutcome {
    const stream = streamOf(this.lib);
    if (!stream || !encodable(signature, body)) return 'library';
    if (!stream.writable) return 'closed';
    const serial = this.lib.newSerial();
    if (!this.corked) {
      this.corked = true;
      stream.cork();
      process.nextTick(() => {
        this.corked = false;
        stream.uncork();
      });
    }
    stream.write(encodeSignal(serial, path, iface, member, signature, body));
    return 'written';
  }

  /**
   * SetValue with a plain variant, or a call without arguments, with valid names: the reply
   * (or the D-Bus error) as dbus-next's call() would give it. null: send it through dbus-next.
   * dbus-next's generic marshaller took ≈ 0.2 ms per call under --lite-mode, on the path from
   * a line change to the relay.
   */
  call(o: CallOptions): Promise<dbus.Message> | null {
    const signature = o.signature ?? '';
    const body = o.body ?? [];
    const iface = o.interface ?? '';
    const stream = streamOf(this.lib);
    const pending = replyTableOf(this.lib);
    if (!stream || !stream.writable || !pending) return null;
    if (!callEncodable(o.destination, o.path, iface, o.member, signature, body)) return null;
    const serial = this.lib.newSerial();
    const data = encodeMethodCall(serial, o.destination, o.path, iface, o.member, signature, body);
    return new Promise((resolve, reject) => {
      pending[serial] = (reply) => {
        if (reply.type === dbus.MessageType.ERROR) {
          reject(new dbus.DBusError(reply.errorName ?? '', String(reply.body?.[0] ?? ''), reply));
        } else resolve(reply);
      };
      stream.write(data);
    });
  }
}
