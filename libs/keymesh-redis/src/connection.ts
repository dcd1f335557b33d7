import { createClient } from 'redis';
import type { RedisClient } from './redis-client.js';

export interface Connections {
  /** Carries commands and scripts. */
  commands: RedisClient;
  /** Carries SUBSCRIBE only (a subscribed RESP2 connection can do nothing else). */
  pubsub: RedisClient;
  /** Starts connecting whatever is not connected yet; call once the links listen for `ready`/`error`. */
  start(): void;
  /** Closes the connections the store opened (never the caller's client); bounded by `waitMs`. */
  close(waitMs: number): Promise<void>;
}

/** Reconnect quickly at first, then every second at most: a fleet recovers within about a second of Redis coming back. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 1_000) + Math.floor(Math.random() * 50);
}

const ignore = () => undefined;

/**
 * Opens the store's connections. From a URL the store owns both, and disables the client's
 * offline queue (a command while disconnected fails at once instead of piling up) and caps its
 * command queue. From the caller's client the store borrows it for commands (it never feeds that
 * client's offline queue: it sends nothing while the client is not ready) and owns only the
 * duplicate it makes for pub/sub.
 */
export function openConnections(options: { url?: string | undefined; client?: RedisClient | undefined; connectTimeoutMs: number }): Connections {
  const owned: RedisClient[] = [];
  let commands: RedisClient;
  if (options.client !== undefined) {
    commands = options.client;
  } else {
    commands = createClient({
      url: options.url,
      disableOfflineQueue: true,
      // A backstop only: the store stops sending at the first unanswered command.
      commandsQueueMaxLength: 10_000,
      socket: { connectTimeout: options.connectTimeoutMs, reconnectStrategy: reconnectDelay },
    }) as unknown as RedisClient;
    owned.push(commands);
  }
  const pubsub = commands.duplicate();
  owned.push(pubsub);
  // node-redis throws an 'error' event nobody listens to; the links listen while the store is
  // open, this keeps listening after close (a reconnect attempt in flight may still fail).
  for (const client of owned) client.on('error', ignore);

  return {
    commands,
    pubsub,
    start() {
      if (!commands.isOpen) commands.connect().catch(ignore);
      if (!pubsub.isOpen) pubsub.connect().catch(ignore);
    },
    async close(waitMs) {
      await Promise.all(owned.map((client) => closeClient(client, waitMs)));
    },
  };
}

/** Lets pending replies arrive (a graceful QUIT), but not for longer than `waitMs`: a stalled Redis must not hang shutdown. */
async function closeClient(client: RedisClient, waitMs: number): Promise<void> {
  if (!client.isOpen) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
  try {
    await Promise.race([client.close().catch(ignore), timeout]);
  } finally {
    clearTimeout(timer);
  }
  if (client.isOpen) {
    try {
      client.destroy();
    } catch {
      // Closed in the meantime.
    }
  }
}
