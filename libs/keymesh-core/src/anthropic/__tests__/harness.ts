import Anthropic, { type ClientOptions } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, expect } from 'vitest';
import { keymeshEventNames, type KeymeshEventName, type KeymeshEvents, type KeyPool, type KeyPoolOptions, type KeySnapshot, type WrapOptions } from '@keymesh/core';
import { createKeymesh, poolOf } from '@keymesh/core/anthropic';
import { startFakeProvider, type Behaviour, type FakeProvider, type KeyBehaviour, type SdkFakeProviderOptions } from '@keymesh/testing';

/** Obviously fake keys; ids a/b/c in this order, priorities 0/1/2 so `priority` tries A first. */
export const A = 'sk-test-anthropic-aaaaaaaaaaaaaaaa';
export const B = 'sk-test-anthropic-bbbbbbbbbbbbbbbb';
export const C = 'sk-test-anthropic-cccccccccccccccc';
export const SECRETS = [A, B, C] as const;
const IDS = ['a', 'b', 'c'] as const;
/** The key the original SDK client is built with; the fake does not know it (401 if it is ever sent). */
export const CLIENT_KEY = 'sk-test-unused-client-key-xxxxxxxx';

export const PARAMS = { model: 'claude-haiku-4-5-20251001', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

export const OK: Behaviour = { kind: 'ok' };
/** Always limited; the 429 carries `retry-after: 30` and `anthropic-ratelimit-*-reset` 30 s ahead. */
export const LIMITED: Behaviour = { kind: 'rate_limit', limit: 0, windowMs: 30_000 };

export function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

export { rejection } from '../../__tests__/sdk-helpers.js';
import { notStarted } from '../../__tests__/sdk-helpers.js';

export interface Recorded {
  name: KeymeshEventName;
  event: KeymeshEvents[KeymeshEventName];
}

export class EventLog {
  readonly all: Recorded[] = [];
  constructor(pool: KeyPool) {
    for (const name of keymeshEventNames.filter(notStarted)) pool.on(name, (event) => this.all.push({ name, event }));
  }
  names(): KeymeshEventName[] {
    return this.all.map((r) => r.name);
  }
  of<E extends KeymeshEventName>(name: E): KeymeshEvents[E][] {
    return this.all.filter((r) => r.name === name).map((r) => r.event as KeymeshEvents[E]);
  }
}

export interface SetupOptions {
  /** Pool options; default `strategy: 'priority'`, 3 attempts, 1–5 ms backoff. */
  pool?: Partial<KeyPoolOptions> & WrapOptions;
  /** Options of the original SDK client. */
  client?: Partial<ClientOptions>;
  /** Extra fake options (pageSize, hints, ...). */
  fake?: Partial<Omit<SdkFakeProviderOptions, 'provider' | 'keys'>>;
  /** How many of A, B, C go into the pool (default: as many behaviours as given). */
  poolKeys?: number;
}

export interface Setup {
  fake: FakeProvider;
  /** The SDK client given to createKeymesh. */
  base: Anthropic;
  client: Anthropic;
  pool: KeyPool;
  events: EventLog;
  /** Snapshot of one key by id ('a', 'b', 'c'). */
  key(id: 'a' | 'b' | 'c'): KeySnapshot;
}

/**
 * Fakes and pools are closed after each test, so a failing test leaks neither a server nor a
 * pending wait.
 */
export function useAnthropic(): (behaviours: KeyBehaviour[], options?: SetupOptions) => Promise<Setup> {
  const fakes: FakeProvider[] = [];
  const pools: KeyPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
    await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  });
  return async (behaviours, options = {}) => {
    const keys = Object.fromEntries(behaviours.map((b, i) => [SECRETS[i], b]));
    const fake = await startFakeProvider({ provider: 'anthropic', keys, ...options.fake });
    fakes.push(fake);
    const base = new Anthropic({ apiKey: CLIENT_KEY, baseURL: fake.url, ...options.client });
    const count = options.poolKeys ?? behaviours.length;
    const client = createKeymesh({
      client: base,
      keys: SECRETS.slice(0, count).map((secret, i) => ({ id: IDS[i], secret, priority: i })),
      strategy: 'priority',
      ...options.pool,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, ...options.pool?.retry },
    });
    const pool = poolOf(client);
    pools.push(pool);
    const events = new EventLog(pool);
    const key = (id: string) => {
      const found = pool.snapshot().keys.find((k) => k.id === id);
      if (!found) throw new Error(`no key ${id}`);
      return found;
    };
    return { fake, base, client, pool, events, key };
  };
}

/** Every request the fake saw went out with exactly one credential and no SDK retry. */
export function expectOneCredentialNoSdkRetry(fake: FakeProvider): void {
  for (const request of fake.requests) {
    expect(request.keyCount).toBe(1);
    expect(request.retryCount).toBe(0);
  }
}

/** Waits until `condition` holds (polling), failing after `ms`. */
export async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Records process-level unhandled rejections during each test of the file and fails the test
 * when one happened (checked after a short grace period, since they surface a tick late).
 */
export function failOnUnhandledRejections(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => void seen.push(reason);
  beforeEach(() => {
    seen.length = 0;
    process.on('unhandledRejection', listener);
  });
  afterEach(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off('unhandledRejection', listener);
    expect(seen).toEqual([]);
  });
}

/** JSON of an object graph with cycles cut, for "does this contain a secret" checks. */
export function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return typeof v === 'bigint' ? String(v) : v;
  });
}

export function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}
