/**
 * The demo's embedded MQTT broker (aedes, a development dependency): loaded only here, so
 * the service bundle for the GX never carries it.
 */
import * as net from 'node:net';

export interface EmbeddedBroker {
  port: number;
  /** The retained payload of the first topic matching, or null. */
  retained(topic: RegExp): string | null;
  stop(): Promise<void>;
}

interface AedesLike {
  handle: (socket: net.Socket) => void;
  on(
    event: 'publish',
    fn: (packet: { topic: string; payload: Buffer; retain: boolean }) => void,
  ): void;
  close(cb: () => void): void;
}

export async function startEmbeddedBroker(): Promise<EmbeddedBroker> {
  let aedes: { createBroker?: () => AedesLike; default?: () => AedesLike };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    aedes = require('aedes') as typeof aedes;
  } catch {
    throw new Error('aedes is not installed (npm ci installs it)');
  }
  const broker = aedes.createBroker
    ? aedes.createBroker()
    : (aedes as unknown as () => AedesLike)();
  const retained = new Map<string, string>();
  broker.on('publish', (packet) => {
    if (packet.retain) retained.set(packet.topic, packet.payload.toString());
  });
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    retained(topic) {
      for (const [t, payload] of retained) if (topic.test(t)) return payload;
      return null;
    },
    async stop() {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
