/**
 * mqtt.js client options from our MqttConfig: credentials, TLS, last will, timeouts, and the
 * settings that keep memory bounded while the broker is away.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { MqttConfig } from '../config/types';
import { NOT_AVAILABLE, slug, type BridgeIds } from './topics';

export interface ConnectionTuning {
  /** First reconnect delay; it doubles per failed attempt up to reconnectMaxMs. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Time allowed for TCP + TLS + CONNACK before the attempt is abandoned. */
  connectTimeoutMs: number;
  keepaliveS: number;
}

export const DEFAULT_TUNING: ConnectionTuning = {
  reconnectMinMs: 1000,
  reconnectMaxMs: 30_000,
  connectTimeoutMs: 10_000,
  keepaliveS: 30,
};

/** Defaults for whatever the caller leaves out (undefined never overrides a default). */
export function tuningFrom(o: Partial<ConnectionTuning>): ConnectionTuning {
  return {
    reconnectMinMs: o.reconnectMinMs ?? DEFAULT_TUNING.reconnectMinMs,
    reconnectMaxMs: o.reconnectMaxMs ?? DEFAULT_TUNING.reconnectMaxMs,
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_TUNING.connectTimeoutMs,
    keepaliveS: o.keepaliveS ?? DEFAULT_TUNING.keepaliveS,
  };
}

/** A TLS item is either inline PEM or a file path (read once, at start). */
function pem(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

/** Throws when a TLS file cannot be read: the caller reports it and stays disconnected. */
export function clientOptions(
  config: MqttConfig,
  ids: BridgeIds,
  availabilityTopic: string,
  tuning: ConnectionTuning,
): IClientOptions {
  const options: IClientOptions = {
    // Stable per GX and bank, so a restarted service replaces its own stale session.
    clientId: `smallbms_${slug(ids.portalId)}_${slug(ids.bankName)}`,
    protocolVersion: 4,
    clean: true,
    keepalive: tuning.keepaliveS,
    connectTimeout: tuning.connectTimeoutMs,
    reconnectPeriod: tuning.reconnectMinMs,
    // We never publish while disconnected (the bridge keeps its own bounded queues); this
    // makes sure mqtt.js's own offline queue cannot grow either.
    queueQoSZero: false,
    // mqtt-packet otherwise pre-builds 65 536 small buffers (~6 MB RSS) on the first write.
    writeCache: false,
    resubscribe: true,
    // mqtt.js gives up for good on a refused CONNACK (not authorised, server unavailable);
    // a service must keep trying (with back-off) so that fixing the broker side suffices.
    reconnectOnConnackError: true,
    will: { topic: availabilityTopic, payload: Buffer.from(NOT_AVAILABLE), qos: 1, retain: true },
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  if (config.tls !== undefined) {
    options.rejectUnauthorized = config.tls.rejectUnauthorized;
    const ca = pem(config.tls.ca);
    const cert = pem(config.tls.cert);
    const key = pem(config.tls.key);
    if (ca !== undefined) options.ca = ca;
    if (cert !== undefined) options.cert = cert;
    if (key !== undefined) options.key = key;
  }
  return options;
}

/** Hide the password in logged URLs (`mqtt://user:secret@host` → `mqtt://user:***@host`). */
export function safeUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
