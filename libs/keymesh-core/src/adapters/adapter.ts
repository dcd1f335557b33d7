import type { Classifier } from '../classify/outcome.js';
import type { KeyPool } from '../pool/key-pool.js';
import type { StreamFailover } from './response-guard.js';
import type { RequestCostOptions } from '../request/read-request.js';

/** Options every adapter receives besides the pool. */
export interface AdapterOptions {
  /** Longest silence tolerated from a response body, first chunk included. */
  idleTimeoutMs: number;
  /** Where streams stop failing over: at their first event (the default) or at their headers. */
  streamFailover?: StreamFailover;
  /** Largest streamed request body kept in memory so a retry can send it again; default 8 MiB. */
  maxReplayBodyBytes?: number;
  /** How the adapter estimates a request's token cost (`estimateTokens`, `defaultMaxOutputTokens`). */
  requestCost?: RequestCostOptions;
}

/**
 * Connects a client to a pool. SDK adapters recognise their SDK's clients by shape (never by
 * `instanceof`: an app may load the SDK's CommonJS build while Keymesh sees its ESM build).
 */
export interface KeymeshAdapter<Client = unknown, Wrapped = Client> {
  readonly name: string;
  /** True for a client this adapter can wrap; lets `createKeymesh` pick the adapter itself. */
  matches?(client: unknown): boolean;
  /** Provider-specific classification, consulted after the user's `classify` and before the default. */
  readonly classify?: Classifier;
  /** Returns the object users call, with every request routed through `pool`. */
  wrap(pool: KeyPool, client: Client, options: AdapterOptions): Wrapped;
}
