/**
 * Our own MQTT client: retained state with availability (LWT), events, remote commands and
 * Home Assistant discovery (contract.md). The protection logic calls publishState /
 * publishEvent synchronously and never waits: nothing here blocks, and while the broker is
 * away only the latest state and a bounded number of events are kept.
 */
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import type { MqttConfig } from '../config/types';
import type { LineRole } from '../core/types';
import type { HistoryEvent, StatusSnapshot } from '../status';
import type { Zone } from '../local-time';
import { clientOptions, safeUrl, tuningFrom, type ConnectionTuning } from './client-options';
import { connectBroker } from './connect';
import { CommandInbox, type CommandListener, type CommandResult } from './command-inbox';
import { DiscoverySync } from './discovery-sync';
import { haStatusTopic, isOwnDiscoveryTopic, ownDiscoveryFilter } from './homeassistant';
import type { DiscoveryContext, DiscoveryMessage } from './homeassistant';
import { AVAILABLE, bridgeTopics, eventMessage, NOT_AVAILABLE, stateMessage } from './topics';
import type { BridgeIds, BridgeTopics } from './topics';
import type { BridgeLogger } from './logger';

export type { BridgeLogger } from './logger';

export interface BridgeOptions extends Partial<ConnectionTuning> {
  /** Events kept while offline; the oldest are dropped (and counted) beyond this. */
  eventQueueLimit?: number;
  /** stop() gives up waiting for the broker after this long. */
  stopTimeoutMs?: number;
  /** Injected for tests (to reach the socket); defaults to mqtt.connect. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface BridgeStats {
  connected: boolean;
  queuedEvents: number;
  droppedEvents: number;
  statePublishes: number;
  eventPublishes: number;
  commandsAccepted: number;
  commandsRefused: number;
  discoveryTopics: number;
}

export type { CommandListener } from './command-inbox';
export type { RemoteCommand } from './command';

const QOS1 = { qos: 1 as const };

export class MqttBridge {
  readonly topics: BridgeTopics;
  private readonly discoveryCtx: DiscoveryContext;
  private readonly discovery: DiscoverySync;
  private readonly tuning: ConnectionTuning;
  private readonly eventQueueLimit: number;
  private readonly commands: CommandInbox;
  private client: MqttClient | null = null;
  private latestState: string | null = null;
  private sentState: string | null = null;
  private readonly eventQueue: string[] = [];
  private republishScheduled = false;
  private everConnected = false;
  private droppedSinceFlush = 0;
  private errorLogged = false;
  private readonly stats = { droppedEvents: 0, statePublishes: 0, eventPublishes: 0 };

  constructor(
    private readonly config: MqttConfig,
    private readonly ids: BridgeIds,
    private readonly logger: BridgeLogger,
    private readonly options: BridgeOptions = {},
  ) {
    this.topics = bridgeTopics(config.prefix, ids.portalId);
    this.discoveryCtx = {
      discoveryPrefix: config.homeAssistant.discoveryPrefix.replace(/\/+$/, ''),
      topics: this.topics,
      ids,
    };
    this.discovery = new DiscoverySync(this.discoveryCtx, config.homeAssistant.enabled);
    this.tuning = tuningFrom(options);
    this.eventQueueLimit = options.eventQueueLimit ?? 100;
    this.commands = new CommandInbox(logger, (r) => this.reply(r));
  }

  /** Starts connecting in the background and returns at once. */
  start(): void {
    if (this.client !== null || !this.config.enabled) return;
    let opts: IClientOptions;
    try {
      opts = clientOptions(this.config, this.ids, this.topics.availability, this.tuning);
    } catch (err) {
      this.logger.error({ err: String(err) }, 'MQTT disabled: cannot read TLS files');
      return;
    }
    const connect = this.options.connect ?? connectBroker;
    let client: MqttClient;
    try {
      client = connect(this.config.url, opts);
    } catch (err) {
      // mqtt.js throws at once on a malformed URL; protection goes on without MQTT.
      this.logger.error({ err: String(err) }, 'MQTT disabled: cannot connect');
      return;
    }
    this.client = client;
    this.logger.info(
      { url: safeUrl(this.config.url), prefix: this.topics.prefix },
      'MQTT starting',
    );
    client.on('connect', () => this.onConnect(client));
    client.on('reconnect', () => {
      // Back off: 1 s, 2 s, 4 s ... up to the maximum; reset on success (see onConnect).
      // mqtt.js re-reads reconnectPeriod each time it arms the next attempt.
      const current = client.options.reconnectPeriod ?? this.tuning.reconnectMinMs;
      client.options.reconnectPeriod = Math.min(this.tuning.reconnectMaxMs, current * 2);
    });
    client.on('offline', () => {
      if (this.everConnected) this.logger.warn({}, 'MQTT connection lost; reconnecting');
    });
    client.on('error', (err) => {
      // The first error of an outage says why (refused, not authorised, TLS); the retries
      // that follow would only repeat it.
      const level = this.errorLogged ? 'debug' : 'warn';
      this.errorLogged = true;
      this.logger[level]({ err: err.message }, 'MQTT error');
    });
    client.on('message', (topic, payload, packet) => {
      try {
        this.onMessage(topic, payload, packet);
      } catch (err) {
        this.logger.error({ err: String(err), topic }, 'MQTT message handling failed');
      }
    });
  }

  /** Retained `<prefix>/state`, only when it differs; offline, only the latest is kept. */
  publishState(s: StatusSnapshot): void {
    this.latestState = stateMessage(s);
    if (this.discovery.setLines(Object.keys(s.lines) as LineRole[])) this.syncDiscovery(false);
    this.flushState();
  }

  /** Not retained `<prefix>/event`; offline, a bounded queue (oldest dropped, counted). */
  publishEvent(e: HistoryEvent, zone?: Zone): void {
    const payload = eventMessage(e, zone);
    const client = this.liveClient();
    if (client !== null) {
      this.flushEvents(client);
      this.sendEvent(client, payload);
      return;
    }
    this.eventQueue.push(payload);
    if (this.eventQueue.length > this.eventQueueLimit) {
      this.eventQueue.shift();
      this.stats.droppedEvents++;
      this.droppedSinceFlush++;
    }
  }

  /** Register a listener for valid live commands; returns a function that unregisters it. */
  onCommand(cb: CommandListener): () => void {
    return this.commands.add(cb);
  }

  getStats(): BridgeStats {
    return {
      ...this.stats,
      commandsAccepted: this.commands.accepted,
      commandsRefused: this.commands.refused,
      connected: this.liveClient() !== null,
      queuedEvents: this.eventQueue.length,
      discoveryTopics: this.discovery.wantedTopics().length,
    };
  }

  /** Publishes `offline` (retained) when connected, disconnects cleanly; bounded in time. */
  async stop(): Promise<void> {
    const client = this.client;
    if (client === null) return;
    this.client = null;
    const timeoutMs = this.options.stopTimeoutMs ?? 2000;
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => client.end(true, {}, finish), timeoutMs);
      if (!client.connected) {
        client.end(true, {}, finish);
        return;
      }
      client.publish(this.topics.availability, NOT_AVAILABLE, { ...QOS1, retain: true }, () =>
        client.end(false, {}, finish),
      );
    });
    this.logger.info({}, 'MQTT stopped');
  }

  private liveClient(): MqttClient | null {
    const c = this.client;
    return c !== null && c.connected && !c.disconnecting ? c : null;
  }

  private onConnect(client: MqttClient): void {
    client.options.reconnectPeriod = this.tuning.reconnectMinMs;
    this.errorLogged = false;
    this.logger.info({ reconnect: this.everConnected }, 'MQTT connected');
    this.everConnected = true;
    const subs: string[] = [this.topics.command, ownDiscoveryFilter(this.discoveryCtx)];
    if (this.config.homeAssistant.enabled)
      subs.push(haStatusTopic(this.discoveryCtx.discoveryPrefix));
    client.subscribe(subs, QOS1, (err) => {
      if (err) this.logger.warn({ err: err.message }, 'MQTT subscribe failed');
    });
    client.publish(this.topics.availability, AVAILABLE, { ...QOS1, retain: true });
    this.discovery.connected();
    this.syncDiscovery(false);
    // A restarted broker has lost our retained state: always send the latest once.
    this.sentState = null;
    this.flushState();
    this.flushEvents(client);
  }

  private flushState(): void {
    const client = this.liveClient();
    const payload = this.latestState;
    if (client === null || payload === null || payload === this.sentState) return;
    this.sentState = payload;
    this.stats.statePublishes++;
    client.publish(this.topics.state, payload, { ...QOS1, retain: true });
  }

  private flushEvents(client: MqttClient): void {
    if (this.droppedSinceFlush > 0) {
      this.logger.warn({ dropped: this.droppedSinceFlush }, 'MQTT events dropped while offline');
      this.droppedSinceFlush = 0;
    }
    while (this.eventQueue.length > 0) this.sendEvent(client, this.eventQueue.shift() as string);
  }

  private sendEvent(client: MqttClient, payload: string): void {
    this.stats.eventPublishes++;
    client.publish(this.topics.event, payload, QOS1);
  }

  private syncDiscovery(force: boolean): void {
    const client = this.liveClient();
    if (client === null) return;
    this.publishDiscovery(client, this.discovery.pending(force));
  }

  private publishDiscovery(client: MqttClient, msgs: DiscoveryMessage[]): void {
    for (const m of msgs) client.publish(m.topic, m.payload, { ...QOS1, retain: true });
    const removed = msgs.filter((m) => m.payload === '').length;
    if (removed > 0) this.logger.info({ removed }, 'Home Assistant: stale entities removed');
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (topic === this.topics.command) {
      this.commands.handle(payload, packet.retain);
    } else if (isOwnDiscoveryTopic(this.discoveryCtx, topic)) {
      // Our own publications come back not retained; only the broker's replay matters.
      if (!packet.retain) return;
      this.discovery.seenRetained(topic, payload.toString('utf8'));
      this.syncDiscovery(false);
    } else if (topic === haStatusTopic(this.discoveryCtx.discoveryPrefix)) {
      // HA's birth message is not retained; a retained `online` would only duplicate the
      // configs we publish at connect anyway.
      if (packet.retain || payload.toString('utf8') !== 'online') return;
      this.scheduleRepublish();
    }
  }

  private scheduleRepublish(): void {
    if (this.republishScheduled) return;
    this.republishScheduled = true;
    setImmediate(() => {
      this.republishScheduled = false;
      this.logger.info({}, 'Home Assistant online: republishing discovery');
      this.syncDiscovery(true);
    });
  }

  private reply(result: CommandResult): void {
    this.liveClient()?.publish(this.topics.commandResult, JSON.stringify(result), { qos: 0 });
  }
}
