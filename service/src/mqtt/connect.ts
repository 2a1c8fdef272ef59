/**
 * Connecting without loading what a plain TCP broker does not need.
 *
 * mqtt.js's `connect()` loads every transport on its first call: WebSocket (`ws`, and with it
 * Node's http, https, zlib and crypto), TLS and the SOCKS proxy client. On a GX the broker is
 * the local FlashMQ at mqtt://127.0.0.1:1883, and those modules cost about 3 MB of RSS for
 * nothing (docs/performance.md). For `mqtt://` and `tcp://` URLs this builds the client
 * the way `connect()` does for those protocols (host, port and credentials from the URL, a
 * `net` connection per attempt) through mqtt.js's documented `new MqttClient(streamBuilder,
 * options)`. Anything else (TLS, WebSocket, client certificates, a SOCKS proxy from
 * MQTTJS_SOCKS_PROXY) goes to mqtt.js's own `connect()`, unchanged.
 */
import * as net from 'node:net';
import { connect as mqttConnect, MqttClient } from 'mqtt';
import type { IClientOptions } from 'mqtt';

const PLAIN = new Set(['mqtt:', 'tcp:']);

/** True when `connectBroker` builds the client itself (no TLS, WebSocket or proxy modules). */
export function isPlainTcp(url: string, opts: IClientOptions): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false; // mqtt.js gives the error a user knows
  }
  if (!PLAIN.has(u.protocol)) return false;
  // mqtt.js upgrades mqtt:// to mqtts:// when a client certificate is given.
  if (opts.cert !== undefined && opts.key !== undefined) return false;
  if (process.env.MQTTJS_SOCKS_PROXY) return false;
  return u.hostname !== '';
}

/** `mqtt.connect(url, opts)`, without loading the transports a plain TCP broker does not use. */
export function connectBroker(url: string, opts: IClientOptions): MqttClient {
  if (!isPlainTcp(url, opts)) return mqttConnect(url, opts);
  const u = new URL(url);
  // WHATWG URL keeps the brackets of an IPv6 literal; net wants the bare address.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port === '' ? 1883 : Number(u.port);
  const options: IClientOptions = { ...opts, protocol: 'mqtt', host, hostname: host, port };
  // As mqtt.js: credentials in the URL win over the options.
  if (u.username !== '') {
    options.username = decodeURIComponent(u.username);
    if (u.password !== '') options.password = decodeURIComponent(u.password);
  }
  const clientId = u.searchParams.get('clientId');
  if (clientId !== null) options.clientId = clientId;
  const client = new MqttClient(() => net.createConnection({ port, host }), options);
  // mqtt.js's connect() adds this listener too: an 'error' without listeners would throw.
  client.on('error', () => undefined);
  return client;
}
