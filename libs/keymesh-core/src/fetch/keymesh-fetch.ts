import { createKeymesh, resolveWrapOptions, type WrapOptions } from '../adapters/create-keymesh.js';
import { adapterNameOf, rememberPool } from '../adapters/pool-registry.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import { parseBaseUrl } from '../http/safe-url.js';
import { KeyPool } from '../pool/key-pool.js';
import type { KeyPoolOptions } from '../pool/options.js';
import type { ProviderName } from '../request/provider-reader.js';
import { fetchAdapter } from './fetch-adapter.js';
import { fetchProviders, isProviderName } from './fetch-providers.js';

/**
 * What every `keymeshFetch` takes, besides its keys (or the pool it shares): the adapter options
 * of `createKeymesh` (`idleTimeoutMs`, `streamFailover`, `maxReplayBodyBytes`, `estimateTokens`,
 * `defaultMaxOutputTokens`) and these.
 */
export interface KeymeshFetchBaseOptions extends WrapOptions {
  /** Which API the fetch calls: its credential header, classifier, scope and token estimate. */
  provider: ProviderName;
  /**
   * The only origin (and path prefix) the keys are sent to; a call anywhere else is refused with
   * `UnsafeUrlError`. Default: the provider's official origin (`https://api.openai.com`,
   * `https://api.anthropic.com`, `https://generativelanguage.googleapis.com`).
   */
  baseURL?: string;
  /** The `fetch` that makes the upstream calls. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** `keymeshFetch` options: its own pool (`keys` and any KeyPool option), or a pool to share. */
export type KeymeshFetchOptions = KeymeshFetchBaseOptions &
  ((KeyPoolOptions & { pool?: undefined }) | { pool: KeyPool; keys?: undefined });

/**
 * A `fetch` whose calls go through a key pool, for any client that takes a `fetch` (the Vercel AI
 * SDK's providers, LangChain.js, …): each call gets a pooled key in the provider's credential
 * header, its model as the scope and its estimated tokens as the cost; a 429 / 401 / quota answer
 * rotates to another key, provider trouble is retried, a stream fails over until its first event
 * reaches the caller. It answers like `fetch`: the last upstream response when attempts run out,
 * a 503 problem+json with `Retry-After` when no key can be tried. Turn the framework's own retries
 * off (`maxRetries: 0`): the pool is the one retry owner.
 *
 * Pass `pool` instead of `keys` to share a pool with an SDK client
 * (`keymeshFetch({ provider: 'openai', pool: poolOf(openai) })`).
 */
export function keymeshFetch(options: KeymeshFetchOptions): typeof fetch {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, "keymeshFetch takes an options object: keymeshFetch({ provider: 'openai', keys }).", '');
  }
  const { provider, baseURL, fetch: fetchImpl, pool, ...rest } = options as KeymeshFetchBaseOptions & KeyPoolOptions & { pool?: KeyPool };
  if (!isProviderName(provider)) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`provider\` must be one of ${Object.keys(fetchProviders).map((name) => `'${name}'`).join(', ')}.`, 'provider');
  }
  if (fetchImpl !== undefined && typeof fetchImpl !== 'function') throw new ConfigError(ErrorCodes.INVALID_OPTION, '`fetch` must be a fetch function.', 'fetch');
  const adapter = fetchAdapter({
    provider,
    base: parseBaseUrl(baseURL ?? fetchProviders[provider].origin),
    fetch: fetchImpl ?? globalThis.fetch,
  });
  if (pool === undefined) return createKeymesh({ ...rest, name: rest.name ?? provider, adapter });
  return sharing(pool, adapter, rest);
}

/** A fetch on a pool made elsewhere (by `createKeymesh`, another `keymeshFetch`, or `new KeyPool`). */
function sharing(pool: KeyPool, adapter: ReturnType<typeof fetchAdapter>, rest: WrapOptions & Record<string, unknown>): typeof fetch {
  if (!(pool instanceof KeyPool)) throw new ConfigError(ErrorCodes.INVALID_OPTION, '`pool` must be a KeyPool, e.g. poolOf(client).', 'pool');
  const { idleTimeoutMs, streamFailover, maxReplayBodyBytes, estimateTokens, defaultMaxOutputTokens, ...poolOptions } = rest;
  const classifies = adapterNameOf(pool);
  if (classifies !== undefined && classifies !== adapter.name && isProviderName(classifies)) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`pool\` classifies ${classifies} answers; share it with a keymeshFetch of provider '${classifies}', or give this one its own keys.`, 'pool');
  }
  const misplaced = Object.keys(poolOptions).find((name) => poolOptions[name] !== undefined);
  if (misplaced !== undefined) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`${misplaced}\` is a pool option: set it where the shared pool is created, or pass \`keys\` instead of \`pool\`.`, misplaced);
  }
  const wrapped = adapter.wrap(pool, undefined, resolveWrapOptions({ idleTimeoutMs, streamFailover, maxReplayBodyBytes, estimateTokens, defaultMaxOutputTokens }));
  rememberPool(wrapped, pool);
  return wrapped;
}
