/**
 * Our own small D-Bus interface. Everything dbus-next specific lives in this file and in
 * bus-wire.ts (our encoded messages on its connection), so a maintained library
 * (@homebridge/dbus-native, dbus-native-victron) can replace it here without touching the
 * BusItem exporter, the settings client or the monitor.
 *
 * Values crossing this interface use `Typed` (signature + value) for D-Bus variants and plain
 * JS values otherwise; dbus-next's Variant class never leaves this file.
 */
import * as dbus from 'dbus-next';
import {
  BusCallError,
  DEFAULT_CALL_TIMEOUT_MS,
  NameTakenError,
  Typed,
  systemBusAddress,
  type Bus,
  type BusSignal,
  type CallOptions,
  type IncomingCall,
  type MethodHandler,
} from './bus-api';
import { streamOf, WirePath } from './bus-wire';

export * from './bus-api';

const DBUS = { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus' };
const DO_NOT_QUEUE = 4;
const PRIMARY_OWNER = 1;
const ALREADY_OWNER = 4;

/** dbus-next Variant (any depth) → Typed; arrays and dicts are walked. */
function fromLibrary(value: unknown): unknown {
  if (value instanceof dbus.Variant) return new Typed(value.signature, fromLibrary(value.value));
  if (Array.isArray(value)) return value.map(fromLibrary);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromLibrary(v);
    return out;
  }
  return value;
}

function toLibrary(value: unknown): unknown {
  if (value instanceof Typed) return new dbus.Variant(value.signature, toLibrary(value.value));
  if (Array.isArray(value)) return value.map(toLibrary);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toLibrary(v);
    return out;
  }
  return value;
}

function disconnected(): BusCallError {
  return new BusCallError(
    'org.freedesktop.DBus.Error.Disconnected',
    'the D-Bus connection is closed',
  );
}

function errorOf(err: unknown): BusCallError {
  if (err instanceof dbus.DBusError) return new BusCallError(err.type, err.text);
  if (err instanceof Error)
    return new BusCallError('org.freedesktop.DBus.Error.Failed', err.message);
  return new BusCallError('org.freedesktop.DBus.Error.Failed', String(err));
}

class DbusNextBus implements Bus {
  private readonly matchRules = new Map<string, number>();
  private matchCalls = 0;
  readonly closed: Promise<void>;

  constructor(
    private readonly lib: dbus.MessageBus,
    readonly uniqueName: string,
    closed: Promise<void>,
  ) {
    this.closed = closed;
    this.wire = new WirePath(lib);
    void closed.then(() => (this.isClosed = true));
  }

  /** Our own encoded signals and calls on dbus-next's connection (bus-wire.ts). */
  private readonly wire: WirePath;

  private isClosed = false;

  get matchRuleCount(): number {
    return this.matchCalls;
  }

  async call(o: CallOptions): Promise<unknown[]> {
    if (this.isClosed) throw disconnected();
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = o.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BusCallError(
              'org.freedesktop.DBus.Error.NoReply',
              `${o.destination} ${o.path} ${o.member}: no reply within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      // A pending call must not keep a finished process (or test run) alive.
      timer.unref();
    });
    try {
      const reply = await Promise.race([this.sendCall(o), timeout]);
      return reply ? reply.body.map(fromLibrary) : [];
    } catch (err) {
      throw err instanceof BusCallError ? err : errorOf(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Our encoded call where wire.ts can write it (bus-wire.ts), else dbus-next's. */
  private sendCall(o: CallOptions): Promise<dbus.Message | null> {
    const encoded = this.wire.call(o);
    if (encoded) return encoded;
    return this.lib.call(
      new dbus.Message({
        destination: o.destination,
        path: o.path,
        interface: o.interface,
        member: o.member,
        signature: o.signature ?? '',
        body: (o.body ?? []).map(toLibrary),
      }),
    );
  }

  async addMatch(rule: string): Promise<void> {
    const count = this.matchRules.get(rule) ?? 0;
    this.matchRules.set(rule, count + 1);
    if (count > 0) return;
    this.matchCalls++;
    try {
      await this.call({
        ...DBUS,
        interface: 'org.freedesktop.DBus',
        member: 'AddMatch',
        signature: 's',
        body: [rule],
      });
    } catch (err) {
      this.matchRules.delete(rule);
      this.matchCalls--;
      throw err;
    }
  }

  async removeMatch(rule: string): Promise<void> {
    const count = this.matchRules.get(rule) ?? 0;
    if (count === 0) return;
    if (count > 1) {
      this.matchRules.set(rule, count - 1);
      return;
    }
    this.matchRules.delete(rule);
    this.matchCalls--;
    await this.call({
      ...DBUS,
      interface: 'org.freedesktop.DBus',
      member: 'RemoveMatch',
      signature: 's',
      body: [rule],
    });
  }

  private readonly signalListeners = new Set<(signal: BusSignal) => void>();

  /**
   * One 'message' handler for all listeners (the monitor, the settings client...), and the
   * body converted only when a listener reads it, once: most signals are looked at by
   * sender and member and dropped.
   */
  onSignal(listener: (signal: BusSignal) => void): () => void {
    if (this.signalListeners.size === 0) this.lib.on('message', this.onMessage);
    this.signalListeners.add(listener);
    return () => {
      this.signalListeners.delete(listener);
      if (this.signalListeners.size === 0) this.lib.removeListener('message', this.onMessage);
    };
  }

  private readonly onMessage = (msg: dbus.Message): void => {
    if (msg.type !== dbus.MessageType.SIGNAL) return;
    let body: unknown[] | undefined;
    const signal: BusSignal = {
      sender: msg.sender,
      path: msg.path,
      interface: msg.interface ?? '',
      member: msg.member,
      get body(): unknown[] {
        return (body ??= msg.body.map(fromLibrary));
      },
    };
    for (const listener of [...this.signalListeners]) listener(signal);
  };

  addMethodHandler(handler: MethodHandler): () => void {
    const wrapped = (msg: dbus.Message): boolean =>
      handler({
        serial: msg.serial ?? 0,
        sender: msg.sender,
        destination: msg.destination ?? '',
        path: msg.path,
        interface: msg.interface ?? '',
        member: msg.member,
        signature: msg.signature ?? '',
        body: msg.body.map(fromLibrary),
      });
    this.lib.addMethodHandler(wrapped);
    return () => this.lib.removeMethodHandler(wrapped);
  }

  /** dbus-next builds replies from a Message; it only reads serial and sender from it. */
  private origin(call: IncomingCall): dbus.Message {
    return { serial: call.serial, sender: call.sender } as unknown as dbus.Message;
  }

  /**
   * Send, or drop when the connection is gone: a reply or signal for a dead bus has no
   * receiver. dbus-next throws "stream is closed" there, and since signals are flushed from
   * timers (BusItemService's ItemsChanged batch), that throw crashed the service with an
   * uncaught exception instead of letting it stop cleanly on `closed`.
   */
  private send(msg: dbus.Message): void {
    if (this.isClosed) return;
    try {
      this.lib.send(msg);
    } catch (err) {
      if (!/stream is closed/i.test((err as Error).message)) throw err;
      this.isClosed = true;
    }
  }

  reply(call: IncomingCall, signature: string, body: unknown[]): void {
    this.send(dbus.Message.newMethodReturn(this.origin(call), signature, body.map(toLibrary)));
  }

  replyError(call: IncomingCall, errorName: string, text: string): void {
    // dbus-next's typings declare the first argument as a string; it is the call message.
    const origin = this.origin(call) as unknown as string;
    this.send(dbus.Message.newError(origin, errorName, text));
  }

  /**
   * Our ItemsChanged/PropertiesChanged are encoded by wire.ts (serials from dbus-next, so
   * they interleave with its messages), and the signals of one tick leave in one write;
   * anything else goes through dbus-next (docs/performance.md).
   */
  emitSignal(
    path: string,
    iface: string,
    member: string,
    signature: string,
    body: unknown[],
  ): void {
    if (this.isClosed) return;
    const outcome = this.wire.signal(path, iface, member, signature, body);
    if (outcome === 'closed') this.isClosed = true;
    else if (outcome === 'library') {
      this.send(dbus.Message.newSignal(path, iface, member, signature, body.map(toLibrary)));
    }
  }

  async requestName(name: string): Promise<void> {
    if (this.isClosed) throw disconnected();
    let result: number;
    try {
      result = await this.lib.requestName(name, DO_NOT_QUEUE);
    } catch (err) {
      throw errorOf(err);
    }
    if (result !== PRIMARY_OWNER && result !== ALREADY_OWNER) throw new NameTakenError(name);
  }

  async releaseName(name: string): Promise<void> {
    // dbus-next's own call never settles on a closed stream: a stop awaiting it hung.
    if (this.isClosed) throw disconnected();
    try {
      await this.lib.releaseName(name);
    } catch (err) {
      throw errorOf(err);
    }
  }

  disconnect(): void {
    this.isClosed = true;
    this.lib.disconnect();
  }
}

/**
 * Connect to a bus (default: DBUS_SYSTEM_BUS_ADDRESS or the system socket). dbus-next's
 * sessionBus() takes any address, which is how a private test daemon is reached.
 */
export function connectBus(address: string = systemBusAddress()): Promise<Bus> {
  return new Promise((resolve, reject) => {
    let lib: dbus.MessageBus;
    try {
      lib = dbus.sessionBus({ busAddress: address });
    } catch (err) {
      reject(errorOf(err));
      return;
    }
    let settled = false;
    let markClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => (markClosed = r));
    lib.on('error', (err: unknown) => {
      if (!settled) {
        settled = true;
        reject(new Error(`cannot connect to D-Bus at ${address}: ${errorOf(err).message}`));
      }
      markClosed();
    });
    // dbus-next exposes no close event on MessageBus; the stream is the only source.
    streamOf(lib)?.on('close', () => markClosed());
    lib.on('connect', () => {
      settled = true;
      resolve(new DbusNextBus(lib, (lib as unknown as { name: string }).name, closed));
    });
  });
}
