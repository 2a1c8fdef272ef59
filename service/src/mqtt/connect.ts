/**
 * Connecting without loading what a plain TCP broker does not need.
 *
 * mqtt.js's `connect()` loads every transport on its first call: WebSocket (`ws`, and with it
 * Node's http, https, zlib and crypto), TLS and the SOCKS proxy client. On a GX the broker is
 * the local FlashMQ at mqtt://127.0.0.1:1883, and those modules cost about 3 MB of RSS for
 * nothing (docs/performance.md). For `mqtt://` and `tcp://` URLs this builds the client the
 * way `connect()` does for those protocols, through mqtt.js's documented
 * `new MqttClient(streamBuilder, options)`: the URL read with `url.parse` as mqtt.js reads it
 * (host names in punycode, `user:pass` split at the last colon, `?clientId=`), and a `net`
 * connection per attempt. Anything else (TLS, WebSocket, client certificates, a SOCKS proxy,
 * a unix socket, a server list) goes to mqtt.js's own `connect()`, unchanged.
 * test/mqtt/connect.test.ts compares the options with mqtt.js's own.
 */
import * as net from 'node:net';
import * as url from 'node:url';
import { connect as mqttConnect, MqttClient } from 'mqtt';
import type { IClientOptions } from 'mqtt';

const PLAIN = new Set(['mqtt:', 'tcp:']);

/** The URL as mqtt.js's connect() parses it (legacy url.parse: punycode hosts, raw auth). */
function parse(brokerUrl: string): url.UrlWithParsedQuery | null {
  try {
    return url.parse(brokerUrl, true);
  } catch {
    return null; // mqtt.js gives the error a user knows
  }
}

/** True when `connectBroker` builds the client itself (no TLS, WebSocket or proxy modules). */
export function isPlainTcp(brokerUrl: string, opts: IClientOptions): boolean {
  const u = parse(brokerUrl);
  if (!u || !PLAIN.has(u.protocol ?? '') || !u.hostname) return false;
  // mqtt.js upgrades mqtt:// to mqtts:// when a client certificate and key are given.
  if (opts.cert !== undefined && opts.key !== undefined) return false;
  if (opts.socksProxy !== undefined || process.env.MQTTJS_SOCKS_PROXY) return false;
  if (opts.servers !== undefined || opts.unixSocket) return false;
  return true;
}

/** `mqtt.connect(url, opts)`, without loading the transports a plain TCP broker does not use. */
export function connectBroker(brokerUrl: string, opts: IClientOptions): MqttClient {
  const u = isPlainTcp(brokerUrl, opts) ? parse(brokerUrl) : null;
  if (!u) return mqttConnect(brokerUrl, opts);
  const options: IClientOptions = {
    ...opts,
    protocol: u.protocol === 'tcp:' ? 'tcp' : 'mqtt',
    host: u.hostname ?? undefined,
  };
  if (u.port) options.port = Number(u.port);
  // As mqtt.js (parseAuthOptions): credentials in the URL win, split at the last colon.
  if (u.auth) {
    const m = /^(.+):(.+)$/.exec(u.auth);
    if (m) {
      options.username = m[1];
      options.password = m[2];
    } else options.username = u.auth;
  }
  const clientId = u.query.clientId;
  if (typeof clientId === 'string') options.clientId = clientId;
  // As mqtt.js's tcp stream builder: defaults filled in at each attempt.
  const client = new MqttClient((c) => {
    const o = c.options;
    o.port = o.port || 1883;
    o.hostname = o.hostname || o.host || 'localhost';
    return net.createConnection({ port: o.port, host: o.hostname });
  }, options);
  // mqtt.js's connect() adds this listener too: an 'error' without listeners would throw.
  client.on('error', () => undefined);
  return client;
}
