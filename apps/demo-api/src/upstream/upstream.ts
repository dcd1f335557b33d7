import type { KeySpec, SharedPoolOptions } from '@keymesh/core';

/** The three SDKs the demo drives; also the names of the Keymesh clients and pools. */
export const PROVIDERS = ['openai', 'anthropic', 'gemini'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

/** Where one provider's calls go and with which keys. */
export interface ProviderUpstream {
  name: ProviderName;
  /** Pool keys. The ids are what the dashboard, metrics and logs show; secrets never leave the pool. */
  keys: KeySpec[];
  /** Model asked for when the caller names none. */
  model: string;
  /** The fake's URL, or an override from the environment; undefined means the SDK's default. */
  baseURL?: string;
  /** What a fake key is scripted to do, by key id, for the startup log and the dashboard. */
  scripts?: Record<string, string>;
}

/**
 * What the demo talks to: the embedded fakes of @keymesh/testing, or the real providers whose
 * `*_API_KEYS` variable is set. Built before the Nest application, because starting the fakes
 * is asynchronous and their URLs go into the SDK clients.
 */
export interface Upstream {
  mode: 'fake' | 'real';
  providers: ProviderUpstream[];
  /** Pool options for every provider (the fakes use short cooldowns so recovery shows within seconds). */
  poolDefaults?: SharedPoolOptions;
  /** Stops whatever the upstream started (the fake servers); a no-op for real providers. */
  close(): Promise<void>;
}

/** Injection token of the `Upstream`. */
export const UPSTREAM = Symbol.for('keymesh-demo:upstream');
