/**
 * The library-neutral side of our D-Bus interface: the types the BusItem exporter, the
 * settings client and the monitor are written against. bus.ts implements them with
 * dbus-next; another library would replace bus.ts only.
 */

/** A D-Bus variant in our own representation (dbus-next wants its own class instance). */
export class Typed {
  constructor(
    readonly signature: string,
    readonly value: unknown,
  ) {}
}

export interface IncomingCall {
  serial: number;
  sender: string;
  destination: string;
  path: string;
  /** '' when the caller sent no interface field (some Victron tools do). */
  interface: string;
  member: string;
  signature: string;
  body: unknown[];
}

export interface BusSignal {
  sender: string;
  path: string;
  interface: string;
  member: string;
  body: unknown[];
}

export interface CallOptions {
  destination: string;
  path: string;
  /** Omit to send a call without an interface field. */
  interface?: string;
  member: string;
  signature?: string;
  body?: unknown[];
  timeoutMs?: number;
}

/** Returns true when it answered the call; false lets the next handler try. */
export type MethodHandler = (call: IncomingCall) => boolean;

export class BusCallError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'BusCallError';
  }
}

export class NameTakenError extends Error {
  constructor(readonly busName: string) {
    super(
      `D-Bus name ${busName} is already owned by another connection (another instance running?)`,
    );
    this.name = 'NameTakenError';
  }
}

export interface Bus {
  /** Our unique connection name (`:1.42`). */
  readonly uniqueName: string;
  /** AddMatch calls sent on this connection (identical rules are shared, not re-sent). */
  readonly matchRuleCount: number;
  call(options: CallOptions): Promise<unknown[]>;
  addMatch(rule: string): Promise<void>;
  removeMatch(rule: string): Promise<void>;
  onSignal(listener: (signal: BusSignal) => void): () => void;
  addMethodHandler(handler: MethodHandler): () => void;
  reply(call: IncomingCall, signature: string, body: unknown[]): void;
  replyError(call: IncomingCall, errorName: string, text: string): void;
  emitSignal(path: string, iface: string, member: string, signature: string, body: unknown[]): void;
  /** RequestName with DO_NOT_QUEUE; throws NameTakenError when someone else owns it. */
  requestName(name: string): Promise<void>;
  releaseName(name: string): Promise<void>;
  /** Resolves when the connection is closed (by us or by the daemon). */
  readonly closed: Promise<void>;
  disconnect(): void;
}

export const DEFAULT_CALL_TIMEOUT_MS = 5000;
export function systemBusAddress(): string {
  return process.env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/var/run/dbus/system_bus_socket';
}
