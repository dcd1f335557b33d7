import { ErrorReply } from 'redis';
import type { RedisClient } from './redis-client.js';

export type LinkState = 'connecting' | 'up' | 'down';

/** Why a Redis call was not made or not answered; the store then answers from local state. */
export class RedisUnavailableError extends Error {
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.name = 'RedisUnavailableError';
    this.code = code;
  }
}

export interface LinkOptions {
  /** `commands` or `pubsub`, for reports. */
  role: string;
  /** Longest wait for any one reply. */
  timeoutMs: number;
  /** How often a link that went down while its socket stayed open (a stalled Redis) is probed. */
  probeIntervalMs: number;
  onDown(role: string, operation: string, error: unknown): void;
  /** The first connection, and every recovery after an outage. */
  onUp(role: string): void;
  /** Redis answered `operation` with a refusal (see `isRefusal`): the connection is fine, the store's work is not done. */
  onRefused(operation: string, error: unknown): void;
  /** Redis carried out `operation`. */
  onAccepted(operation: string): void;
}

// Replies that mean "this server cannot serve now" rather than "this command was wrong".
const unavailableReply = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/;

// Replies that mean "this server answers, but will not do what the store needs": missing or wrong
// credentials, an ACL without the store's commands or keys, a read-only replica, a Redis that
// cannot persist or is out of memory. Nothing the store retries fixes them: a person must.
const refusalReply = /^(NOAUTH|WRONGPASS|NOPERM|READONLY|MISCONF|OOM)\b/;
// What Redis says, and then closes the connection, when a client that has not authenticated sends a
// command with many arguments (the save script has 11): the same refusal as NOAUTH.
const unauthenticatedReply = /^ERR Protocol error: unauthenticated/;

/**
 * One Redis connection seen through the store's promise: no call ever hangs a request. Every
 * reply is awaited for at most `timeoutMs`; after the first failure the link is `down` and
 * calls fail at once, without touching the client (so no client queue can grow), until the
 * client reconnects (`ready`) or a probe gets an answer from a Redis that had stalled.
 */
export class RedisLink {
  readonly client: RedisClient;
  readonly #options: LinkOptions;
  readonly #waiters = new Set<() => void>();
  #state: LinkState = 'connecting';
  #lastError: unknown;
  #probeTimer: NodeJS.Timeout | undefined;
  #probeInFlight = false;
  #closed = false;

  readonly #onReady = () => this.#up();
  // The client says "error" for every failed (re)connect attempt; while it is still ready the
  // error belongs to a command, which `send` reports itself.
  readonly #onError = (error: unknown) => {
    if (!this.client.isReady) this.#down('connection', error);
  };
  readonly #onEnd = () => {
    if (!this.#closed) this.#down('connection', new RedisUnavailableError('the Redis client was closed', 'ERR_CLIENT_CLOSED'));
  };

  constructor(client: RedisClient, options: LinkOptions) {
    this.client = client;
    this.#options = options;
    client.on('ready', this.#onReady);
    client.on('error', this.#onError);
    client.on('end', this.#onEnd);
    if (client.isReady) this.#state = 'up';
  }

  get state(): LinkState {
    return this.#state;
  }

  /** Resolves once the link is up; rejects at once during an outage, or after `waitMs`. */
  ready(waitMs: number): Promise<void> {
    if (this.#state === 'up' && !this.#closed) return Promise.resolve();
    if (this.#state === 'down' || this.#closed) return Promise.reject(this.#unavailable());
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.#state === 'connecting' && !this.#closed) return;
        done();
        if (this.#state === 'up' && !this.#closed) resolve();
        else reject(this.#unavailable());
      };
      const timer = setTimeout(() => {
        done();
        reject(new RedisUnavailableError(`no connection to Redis within ${waitMs} ms`, 'ETIMEDOUT'));
      }, waitMs);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  /** Sends one command; at most `timeoutMs` waiting for the reply (plus `connectWaitMs` while the first connection is being made). */
  async send<T>(args: readonly string[], operation: string, connectWaitMs = this.#options.timeoutMs): Promise<T> {
    if (this.#state !== 'up' || this.#closed) await this.ready(connectWaitMs);
    if (!this.client.isReady) {
      // The socket dropped and the client's own event has not arrived yet: don't feed its queue.
      const error = new RedisUnavailableError('not connected to Redis', 'ERR_NOT_CONNECTED');
      this.#down(operation, error);
      throw error;
    }
    try {
      const reply = await this.#timed(this.client.sendCommand<T>(args, { timeout: this.#options.timeoutMs }), operation);
      this.#options.onAccepted(operation);
      return reply;
    } catch (error) {
      if (isRefusal(error)) this.#options.onRefused(operation, error);
      else if (!isCommandError(error)) this.#down(operation, error);
      throw error;
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#probeTimer);
    this.client.off('ready', this.#onReady);
    this.client.off('error', this.#onError);
    this.client.off('end', this.#onEnd);
    for (const waiter of [...this.#waiters]) waiter();
  }

  #timed<T>(reply: Promise<T>, operation: string): Promise<T> {
    const timeoutMs = this.#options.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RedisUnavailableError(`Redis did not answer ${operation} within ${timeoutMs} ms`, 'ETIMEDOUT')), timeoutMs);
      timer.unref();
      reply.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error)),
      );
    });
  }

  #down(operation: string, error: unknown): void {
    this.#lastError = error;
    if (this.#state === 'down' || this.#closed) return;
    this.#state = 'down';
    for (const waiter of [...this.#waiters]) waiter();
    this.#options.onDown(this.#options.role, operation, error);
    this.#scheduleProbe();
  }

  #up(): void {
    if (this.#state === 'up' || this.#closed) return;
    this.#state = 'up';
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    for (const waiter of [...this.#waiters]) waiter();
    this.#options.onUp(this.#options.role);
  }

  /**
   * A Redis that stalls (overloaded, paused, a network black hole) keeps the socket open, so the
   * client never reconnects and never says `ready` again: ask it now and then. One probe at a
   * time, so a Redis that never answers holds at most one of ours in the client's queue.
   */
  #scheduleProbe(): void {
    if (this.#closed || this.#probeTimer !== undefined) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      if (this.#state !== 'down' || this.#closed) return;
      if (this.client.isReady && !this.#probeInFlight) {
        this.#probeInFlight = true;
        const reply = this.client.sendCommand(['PING'], { timeout: this.#options.timeoutMs });
        reply.then(
          () => (this.#probeInFlight = false),
          () => (this.#probeInFlight = false),
        );
        this.#timed(reply, 'probe').then(
          () => this.#up(),
          () => undefined,
        );
      }
      this.#scheduleProbe();
    }, this.#options.probeIntervalMs);
    this.#probeTimer.unref();
  }

  #unavailable(): RedisUnavailableError {
    if (this.#closed) return new RedisUnavailableError('the store is closed', 'ERR_STORE_CLOSED');
    const cause = this.#lastError;
    const detail = cause instanceof Error ? cause.message || cause.name : 'not connected';
    const code = (cause as { code?: unknown } | undefined)?.code;
    return new RedisUnavailableError(`Redis unavailable: ${detail}`, typeof code === 'string' ? code : (replyCode(cause) ?? 'ERR_NOT_CONNECTED'));
  }
}

/** Redis answered, with an error about this command (wrong type, script error, a refusal): the connection itself is fine. */
export function isCommandError(error: unknown): boolean {
  return isReply(error) && !unavailableReply.test(error.message);
}

/** Redis refuses the store's commands (credentials, ACL, read-only replica, …): see `refusalReply`. */
export function isRefusal(error: unknown): boolean {
  return isReply(error) && (refusalReply.test(error.message) || unauthenticatedReply.test(error.message));
}

/** The error code of a Redis reply: its first word (`NOAUTH`, `WRONGPASS`, `READONLY`, …). */
export function replyCode(error: unknown): string | undefined {
  if (!isReply(error)) return undefined;
  return unauthenticatedReply.test(error.message) ? 'NOAUTH' : /^[A-Z][A-Z_]+\b/.exec(error.message)?.[0];
}

/** `error` with its reply code as `code` (for callers that read `code`), when it is a Redis reply without one. */
export function withReplyCode(error: unknown): unknown {
  const code = replyCode(error);
  if (code !== undefined && (error as { code?: unknown }).code === undefined) Object.defineProperty(error, 'code', { value: code, enumerable: true });
  return error;
}

function isReply(error: unknown): error is Error {
  return error instanceof ErrorReply || (error instanceof Error && ['ErrorReply', 'SimpleError', 'BlobError'].includes(error.constructor.name));
}
