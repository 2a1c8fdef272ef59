/**
 * Which Home Assistant config messages must be (re)published or removed. No I/O: the bridge
 * feeds it what happens (lines known, connection, retained configs seen on the broker) and
 * publishes what it returns.
 *
 * The broker is the memory: at each connection the bridge subscribes to its own discovery
 * topics, the broker replays the retained configs published in earlier runs, and any of them
 * not wanted now (discovery switched off, a line unwired since) is removed with an empty
 * retained message. So no local file is needed to clean up after a configuration change.
 */
import type { LineRole } from '../core/types';
import { discoveryConfigs, type DiscoveryContext, type DiscoveryMessage } from './homeassistant';

export class DiscoverySync {
  /** Wanted configs by topic; null while the wired lines are not known yet. */
  private wanted: Map<string, string> | null;
  private linesKey: string | null = null;
  /** What we believe the broker holds under our discovery topics (this connection). */
  private readonly onBroker = new Map<string, string>();

  constructor(
    private readonly ctx: DiscoveryContext,
    private readonly enabled: boolean,
  ) {
    // Disabled: nothing is wanted, so whatever earlier runs left is removed at once.
    this.wanted = enabled ? null : new Map();
  }

  /** Lines of the latest snapshot. Returns true when the wanted set changed. */
  setLines(lines: readonly LineRole[]): boolean {
    if (!this.enabled) return false;
    const sorted = [...lines].sort();
    const key = sorted.join(',');
    if (key === this.linesKey) return false;
    this.linesKey = key;
    this.wanted = new Map(discoveryConfigs(this.ctx, sorted).map((m) => [m.topic, m.payload]));
    return true;
  }

  /** A new connection: the broker may be a fresh one that lost every retained message. */
  connected(): void {
    this.onBroker.clear();
  }

  /** A retained message under our own discovery filter, replayed by the broker. */
  seenRetained(topic: string, payload: string): void {
    if (payload === '') this.onBroker.delete(topic);
    else this.onBroker.set(topic, payload);
  }

  /**
   * The messages that bring the broker to the wanted set, recorded as sent. `force`
   * republishes every wanted config (Home Assistant restarted and asked for them).
   */
  pending(force = false): DiscoveryMessage[] {
    if (this.wanted === null) return [];
    const out: DiscoveryMessage[] = [];
    for (const [topic, payload] of this.wanted) {
      if (force || this.onBroker.get(topic) !== payload) out.push({ topic, payload });
    }
    for (const topic of this.onBroker.keys()) {
      if (!this.wanted.has(topic)) out.push({ topic, payload: '' });
    }
    for (const m of out) this.seenRetained(m.topic, m.payload);
    return out;
  }

  /** For status and tests: the topics currently wanted. */
  wantedTopics(): string[] {
    return this.wanted === null ? [] : [...this.wanted.keys()];
  }
}
