import type { Classifier } from '../classify/outcome.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import { KeyPool } from '../pool/key-pool.js';
import type { KeyPoolOptions } from '../pool/options.js';
import type { AdapterOptions, KeymeshAdapter } from './adapter.js';
import { checkNumber } from '../pool/key-spec.js';
import { poolOf, rememberPool } from './pool-registry.js';
import { knownAdapters } from './registry.js';
import { defaultClassifier } from '../classify/default-classifier.js';
import { isFinal } from './final-attempt.js';
import { defaultMaxReplayBodyBytes } from './replayable-body.js';
import { checkStreamFailover } from './stream-failover.js';
import { checkRequestCostOptions, type RequestCostOptions } from '../request/read-request.js';

export { poolOf };

/**
 * Options of `createKeymesh` beyond the pool's own. `estimateTokens` and
 * `defaultMaxOutputTokens` shape each request's token cost (see `RequestCostOptions`).
 */
export interface WrapOptions extends RequestCostOptions {
  /**
   * Longest silence tolerated from a response body, first chunk included: a stalled body before
   * the first chunk fails over to another key; after it, the stream errors. Default 300,000
   * (5 min, room for slow reasoning models).
   */
  idleTimeoutMs?: number;
  /**
   * Where streams stop failing over. `'first-event'` (default): `create({ stream: true })`
   * resolves once the first event has arrived, so an error event or a dropped connection before
   * any output still moves to another key; the cost is the model's time to first token before
   * the call resolves. `'headers'`: it resolves at the response headers, as the bare SDK does,
   * and fails over only on errors before them. Per request: the header
   * `'x-keymesh-stream-failover': 'headers' | 'first-event'` (read by Keymesh, never sent).
   */
  streamFailover?: 'first-event' | 'headers';
  /**
   * Largest streamed request body (a `ReadableStream` or async iterable, e.g. a file upload)
   * kept in memory so a retry on another key can send it again. A larger one gets a single
   * attempt, as the SDKs never retry a streaming body. Default 8 MiB.
   */
  maxReplayBodyBytes?: number;
}

export type CreateKeymeshOptions<Client, Wrapped> = KeyPoolOptions &
  WrapOptions &
  ({ adapter: KeymeshAdapter<Client, Wrapped>; client?: Client } | { client: Client; adapter?: undefined });

/**
 * Wraps a client so every call it makes goes through a new `KeyPool`: `createKeymesh({ client, keys })`
 * for an SDK client (the adapter is chosen by the client's shape), or
 * `createKeymesh({ adapter: httpAdapter({ baseURL, auth }), keys })` for any HTTP API.
 */
export function createKeymesh<Client, Wrapped>(options: KeyPoolOptions & WrapOptions & { adapter: KeymeshAdapter<Client, Wrapped>; client?: Client }): Wrapped;
export function createKeymesh<Client extends object>(options: KeyPoolOptions & WrapOptions & { client: Client }): Client;
export function createKeymesh(options: CreateKeymeshOptions<unknown, unknown>): unknown {
  const { client, adapter: explicit, idleTimeoutMs, streamFailover, maxReplayBodyBytes, estimateTokens, defaultMaxOutputTokens, ...poolOptions } = options as KeyPoolOptions &
    WrapOptions & { client?: unknown; adapter?: KeymeshAdapter };
  const adapter = explicit ?? knownAdapters().find((candidate) => candidate.matches?.(client));
  if (adapter === undefined) {
    throw new ConfigError(
      ErrorCodes.UNSUPPORTED_CLIENT,
      '`client` is not an OpenAI, Anthropic or Google GenAI client Keymesh recognises. Pass `adapter` (e.g. httpAdapter({ baseURL, auth })) for other APIs.',
      'client',
    );
  }
  const wrapOptions = resolveWrapOptions({ idleTimeoutMs, streamFailover, maxReplayBodyBytes, estimateTokens, defaultMaxOutputTokens });
  const pool = new KeyPool({ ...poolOptions, classify: chain(poolOptions.classify, adapter.classify) }, { extraOptionNames: ['client', 'adapter'] });
  let wrapped: object;
  try {
    wrapped = adapter.wrap(pool, client as never, wrapOptions) as object;
  } catch (error) {
    void pool.close();
    throw error;
  }
  rememberPool(wrapped, pool, adapter.name);
  return wrapped;
}

/** Validated `WrapOptions` with their defaults, as adapters receive them (also for a client on a pool made elsewhere). */
export function resolveWrapOptions(options: WrapOptions): AdapterOptions {
  return {
    idleTimeoutMs: checkNumber(options.idleTimeoutMs, 300_000, 'idleTimeoutMs', { min: 0, exclusiveMin: true }),
    streamFailover: checkStreamFailover(options.streamFailover, 'streamFailover'),
    maxReplayBodyBytes: checkNumber(options.maxReplayBodyBytes, defaultMaxReplayBodyBytes, 'maxReplayBodyBytes', { min: 0, integer: true }),
    requestCost: checkRequestCostOptions({ estimateTokens: options.estimateTokens, defaultMaxOutputTokens: options.defaultMaxOutputTokens }),
  };
}

/**
 * The user's classifier first, then the adapter's, then the default; an attempt that cannot be
 * made again (its streamed body is consumed) ends the request whatever the verdict.
 */
function chain(user: Classifier | undefined, adapter: Classifier | undefined): Classifier {
  return (error, context) => {
    const outcome = user?.(error, context) ?? adapter?.(error, context) ?? defaultClassifier(error, context);
    return outcome.retry !== false && isFinal(error) ? { ...outcome, retry: false } : outcome;
  };
}
