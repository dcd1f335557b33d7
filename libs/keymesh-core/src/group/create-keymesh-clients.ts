import { createKeymesh, poolOf, type WrapOptions } from '../adapters/create-keymesh.js';
import type { KeymeshAdapter } from '../adapters/adapter.js';
import { ConfigError } from '../errors/config-error.js';
import { keymeshFetch, type KeymeshFetchBaseOptions } from '../fetch/keymesh-fetch.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import { closestName } from '../util/closest-name.js';
import type { KeyPool } from '../pool/key-pool.js';
import type { KeyPoolOptions } from '../pool/options.js';

/** Pool options shared by every client of a group (everything but keys and the name). */
export type SharedPoolOptions = Omit<KeyPoolOptions, 'keys' | 'name'> & WrapOptions;

/**
 * What makes a client a `keymeshFetch`: `{ provider: 'openai' }`, optionally `baseURL` and the
 * upstream `fetch`. Its pool and adapter options (`idleTimeoutMs`, `estimateTokens`, …) sit beside
 * `keys`, as for any client.
 */
export type FetchClientOptions = Pick<KeymeshFetchBaseOptions, 'provider' | 'baseURL' | 'fetch'>;

/**
 * One named client with its keys and its own pool options: an SDK client, an `adapter` such as
 * `httpAdapter`, or `fetch: { provider }` for a `keymeshFetch` (for the Vercel AI SDK, LangChain.js
 * and any client that takes a `fetch`).
 */
export type ClientConfig = SharedPoolOptions & { keys: KeyPoolOptions['keys'] } & (
    | { client: object; adapter?: undefined; fetch?: undefined }
    | { adapter: KeymeshAdapter<never, unknown>; client?: object; fetch?: undefined }
    | { fetch: FetchClientOptions; client?: undefined; adapter?: undefined }
  );

export interface KeymeshClientsOptions<Names extends string = string> {
  clients: Record<Names, ClientConfig>;
  /** Defaults for every client's pool; a client's own options win. */
  defaults?: SharedPoolOptions;
}

export interface KeymeshClients<Clients extends Record<string, unknown> = Record<string, unknown>> {
  readonly clients: Clients;
  readonly pools: { readonly [K in keyof Clients]: KeyPool };
  close(): Promise<void>;
}

const clientKinds = ['client', 'adapter', 'fetch'];

/** A config with no client at all usually has one under a misspelt name (`clinet`): say that, not "unsupported client". */
function checkClientKind(config: object): void {
  if (clientKinds.some((kind) => (config as Record<string, unknown>)[kind] !== undefined)) return;
  for (const name of Object.keys(config)) {
    const meant = closestName(name, clientKinds);
    if (meant !== undefined) throw new ConfigError(ErrorCodes.UNKNOWN_OPTION, `Unknown option \`${name}\`. Did you mean \`${meant}\`?`, name);
  }
}

/**
 * Creates every named client once (the framework integrations call this at application start).
 * Each pool is named after its client, so events and health output say `openai`, `anthropic`, ….
 */
export function createKeymeshClients<Clients extends Record<string, unknown>>(options: KeymeshClientsOptions<Extract<keyof Clients, string>>): KeymeshClients<Clients> {
  const entries = Object.entries((options?.clients ?? {}) as Record<string, ClientConfig>);
  if (entries.length === 0) {
    throw new ConfigError(ErrorCodes.NO_KEYS, '`clients` must name at least one client, e.g. { clients: { openai: { client, keys } } }.', 'clients');
  }
  const clients: Record<string, unknown> = {};
  const pools: Record<string, KeyPool> = {};
  let current = '';
  try {
    for (const [name, config] of entries) {
      current = name;
      if (typeof config !== 'object' || config === null) {
        throw new ConfigError(ErrorCodes.INVALID_OPTION, 'must be an object with `client` (or `adapter`) and `keys`.', '');
      }
      checkClientKind(config);
      const wrapped = config.fetch === undefined ? (createKeymesh({ ...options.defaults, ...config, name } as Parameters<typeof createKeymesh>[0]) as object) : fetchClient(name, config, options.defaults);
      clients[name] = wrapped;
      pools[name] = poolOf(wrapped);
    }
  } catch (error) {
    // Don't leave the pools created before the bad entry running.
    for (const pool of Object.values(pools)) void pool.close();
    if (error instanceof ConfigError) {
      // A bad shared default is reported where it was written, not under the first client.
      const top = error.option?.split(/[.[]/)[0] ?? '';
      const inDefaults = top !== '' && options.defaults !== undefined && top in options.defaults && !(top in (options.clients as Record<string, object>)[current]!);
      const where = inDefaults ? 'defaults' : `clients.${current}`;
      throw new ConfigError(error.code, `${where}: ${error.message}`, [where, error.option].filter(Boolean).join('.'));
    }
    throw error;
  }
  return {
    clients: clients as Clients,
    pools: pools as KeymeshClients<Clients>['pools'],
    close: async () => {
      await Promise.all(Object.values(pools).map((pool) => pool.close()));
    },
  };
}

const fetchOptionNames = ['provider', 'baseURL', 'fetch'];

/** A `keymeshFetch` client of the group; an error in its `fetch` options names them as written (`fetch.provider`). */
function fetchClient(name: string, config: ClientConfig & { fetch: FetchClientOptions }, defaults: SharedPoolOptions | undefined): typeof fetch {
  const { fetch: fetchOptions, ...poolOptions } = config;
  if (typeof fetchOptions !== 'object' || fetchOptions === null) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, "`fetch` must be keymeshFetch options, e.g. { provider: 'openai' }.", 'fetch');
  }
  try {
    return keymeshFetch({ ...defaults, ...poolOptions, ...fetchOptions, name } as Parameters<typeof keymeshFetch>[0]);
  } catch (error) {
    if (error instanceof ConfigError && fetchOptionNames.includes(error.option ?? '')) throw new ConfigError(error.code, error.message, `fetch.${error.option}`);
    throw error;
  }
}
