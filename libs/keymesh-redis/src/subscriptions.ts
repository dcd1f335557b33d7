import type { SharedChange, SharedKeyState } from '@keymesh/core';
import type { KeyNames } from './key-names.js';
import type { RedisLink } from './redis-link.js';

export type StateListener = (keyId: string, state: SharedKeyState) => void;
export type SharedListener = (change: SharedChange) => void;

interface Channel {
  readonly pool: string;
  readonly name: string;
  readonly listeners: Set<StateListener>;
  /** Listeners for limit and group changes (`subscribeShared`), on the same channel. */
  readonly sharedListeners: Set<SharedListener>;
  readonly handler: (message: string) => void;
  /** True once Redis has confirmed the SUBSCRIBE on the current connection. */
  live: boolean;
  /** Resolved when `live` next becomes true. */
  confirmed: Promise<void>;
  confirm: () => void;
}

function pending(channel: Pick<Channel, 'confirmed' | 'confirm' | 'live'>): void {
  channel.live = false;
  channel.confirmed = new Promise<void>((resolve) => (channel.confirm = resolve));
}

/**
 * The pools of this process listening for a pool name's changes, and the one channel
 * subscription per pool name they share.
 *
 * A SUBSCRIBE that fails (the connection was down) is forgotten by node-redis, so the store calls
 * `resubscribe` whenever the pub/sub connection comes up; what was published while a channel was
 * not live comes back through the store's resync, which reads only once the channel is live again.
 */
export class Subscriptions {
  readonly #channels = new Map<string, Channel>();
  readonly #link: RedisLink;
  readonly #names: KeyNames;
  readonly #onMessage: (pool: string, message: string) => void;
  readonly #onLive: (pool: string) => void;
  readonly #onFailed: (pool: string, error: unknown) => void;

  /**
   * `onLive` is told each time a pool's channel becomes live (first subscription, or after a
   * reconnect); `onFailed` each time a SUBSCRIBE fails.
   */
  constructor(link: RedisLink, names: KeyNames, handlers: { onMessage(pool: string, message: string): void; onLive(pool: string): void; onFailed(pool: string, error: unknown): void }) {
    this.#link = link;
    this.#names = names;
    this.#onMessage = handlers.onMessage;
    this.#onLive = handlers.onLive;
    this.#onFailed = handlers.onFailed;
  }

  add(pool: string, listener: StateListener): () => void {
    return this.#add(pool, (channel) => channel.listeners, listener);
  }

  addShared(pool: string, listener: SharedListener): () => void {
    return this.#add(pool, (channel) => channel.sharedListeners, listener);
  }

  #add<L>(pool: string, set: (channel: Channel) => Set<L>, listener: L): () => void {
    let channel = this.#channels.get(pool);
    if (channel === undefined) {
      channel = this.#channel(pool);
      this.#channels.set(pool, channel);
      void this.#subscribe(channel);
    }
    const owner = channel;
    set(owner).add(listener);
    return () => {
      set(owner).delete(listener);
      if (owner.listeners.size > 0 || owner.sharedListeners.size > 0 || this.#channels.get(pool) !== owner) return;
      this.#channels.delete(pool);
      this.#link.client.unsubscribe(owner.name, owner.handler).catch(() => undefined);
    };
  }

  pools(): string[] {
    return [...this.#channels.keys()];
  }

  has(pool: string): boolean {
    return this.#channels.has(pool);
  }

  isLive(pool: string): boolean {
    return this.#channels.get(pool)?.live === true;
  }

  /** Waits at most `waitMs` for the pool's channel to be live; true if it is. */
  async live(pool: string, waitMs: number): Promise<boolean> {
    const channel = this.#channels.get(pool);
    if (channel === undefined || channel.live) return true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([channel.confirmed, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    return channel.live;
  }

  /** The pub/sub connection dropped: no channel is live until it is confirmed again. */
  lost(): void {
    for (const channel of this.#channels.values()) if (channel.live) pending(channel);
  }

  /** Subscribes every channel again (a no-op in Redis for channels the client kept); resolves when all are confirmed or failed. */
  async resubscribe(): Promise<void> {
    await Promise.all([...this.#channels.values()].map((channel) => this.#subscribe(channel)));
  }

  deliver(pool: string, keyId: string, state: SharedKeyState): void {
    const channel = this.#channels.get(pool);
    if (channel === undefined) return;
    for (const listener of channel.listeners) {
      try {
        listener(keyId, state);
      } catch {
        // One pool's failing listener must not keep the change from the others.
      }
    }
  }

  deliverShared(pool: string, change: SharedChange): void {
    const channel = this.#channels.get(pool);
    if (channel === undefined) return;
    for (const listener of channel.sharedListeners) {
      try {
        listener(change);
      } catch {
        // Same: one pool's failing listener must not keep the change from the others.
      }
    }
  }

  close(): void {
    for (const channel of this.#channels.values()) {
      if (this.#link.client.isReady) this.#link.client.unsubscribe(channel.name, channel.handler).catch(() => undefined);
    }
    this.#channels.clear();
  }

  #channel(pool: string): Channel {
    const channel = { pool, name: this.#names.channel(pool), listeners: new Set<StateListener>(), sharedListeners: new Set<SharedListener>(), handler: (message: string) => this.#onMessage(pool, message) } as Channel;
    pending(channel);
    return channel;
  }

  async #subscribe(channel: Channel): Promise<void> {
    try {
      await this.#link.client.subscribe(channel.name, channel.handler);
    } catch (error) {
      // An outage is the pub/sub link's to report, and `resubscribe` tries again when it is back.
      this.#onFailed(channel.pool, error);
      return;
    }
    if (this.#channels.get(channel.pool) !== channel || channel.live) return; // Unsubscribed meanwhile, or confirmed already.
    channel.live = true;
    channel.confirm();
    this.#onLive(channel.pool);
  }
}
