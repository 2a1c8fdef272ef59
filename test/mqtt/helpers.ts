/**
 * Test fixtures for the MQTT bridge: a real embedded aedes broker on a TCP port, real mqtt.js
 * clients, a sample status snapshot, a logger that remembers what it was told.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createBroker, type AedesOptions } from 'aedes';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttConfig } from '../../service/src/config/types';
import type { BridgeLogger, BridgeOptions } from '../../service/src/mqtt/bridge';
import type { HistoryEvent, StatusSnapshot } from '../../service/src/status';

export interface TestBroker {
  port: number;
  /** Every topic filter any client has subscribed to (to know when the bridge listens). */
  subscriptions: Set<string>;
  /** Abrupt stop: every connection is cut, retained messages are lost (in-memory broker). */
  close(): Promise<void>;
}

export async function startBroker(port = 0, options: AedesOptions = {}): Promise<TestBroker> {
  const broker = createBroker(options);
  const sockets = new Set<Socket>();
  const subscriptions = new Set<string>();
  broker.on('subscribe', (subs) => subs.forEach((sub) => subscriptions.add(sub.topic)));
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    subscriptions,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nobody listens on (yet). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const PORTAL_ID = 'c0619ab1c2d3';
export const IDS = {
  portalId: PORTAL_ID,
  bankName: 'Default',
  serviceName: 'com.victronenergy.battery.smallbms',
  version: '0.1.0',
};
export const PREFIX = `smallbms/${PORTAL_ID}`;

export function mqttConfig(port: number, overrides: Partial<MqttConfig> = {}): MqttConfig {
  return {
    enabled: true,
    url: `mqtt://127.0.0.1:${port}`,
    prefix: 'smallbms/{portalId}',
    homeAssistant: { enabled: true, discoveryPrefix: 'homeassistant' },
    ...overrides,
  };
}

/** Fast reconnects so the tests do not wait for production back-off. */
export const FAST: BridgeOptions = { reconnectMinMs: 50, reconnectMaxMs: 200, stopTimeoutMs: 1000 };

export function snapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    service: IDS.serviceName,
    name: 'Default',
    state: 'NORMAL',
    stateCode: 1,
    lines: { dischargeAllowed: 'asserted', chargeAllowed: 'asserted', remote: 'asserted' },
    outputs: { load: true, charge: true, preAlarm: false },
    alarms: {
      lowCellVoltage: 0,
      lowSoc: 0,
      bmsCable: 0,
      highCellVoltage: null,
      highTemperature: null,
      lowChargeTemperature: null,
    },
    countdowns: { loadDisconnectS: null, lowSocShutdownS: null },
    chargeDetected: false,
    soc: 87.5,
    voltage: 26.4,
    current: -3.2,
    mode: 'on',
    dryRun: false,
    notes: [],
    lastEvent: null,
    actual: { load: null, charge: null, preAlarm: null },
    outputNotes: { load: '', charge: '', preAlarm: '' },
    tests: { load: null, charge: null, preAlarm: null },
    testResult: '',
    ...overrides,
  };
}

export function historyEvent(seq: number): HistoryEvent {
  return {
    seq,
    wallTime: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    t: seq * 1000,
    kind: 'output',
    name: 'load',
    from: true,
    to: false,
    reason: `test event ${seq}`,
    lines: { dischargeAllowed: 'released' },
  };
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

export function memoryLogger(): BridgeLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj, msg });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export async function client(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  const c = connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...options });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  at: bigint;
}

/** Subscribe and record every message (with its arrival time). */
export async function recorder(c: MqttClient, filter: string | string[]): Promise<Received[]> {
  const got: Received[] = [];
  c.on('message', (topic, payload, packet) => {
    got.push({
      topic,
      payload: payload.toString('utf8'),
      retain: packet.retain,
      at: process.hrtime.bigint(),
    });
  });
  await c.subscribeAsync(filter, { qos: 1 });
  return got;
}

export async function waitFor(
  cond: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function closeClient(c: MqttClient): Promise<void> {
  await c.endAsync(true);
}
