/**
 * Shared set-up for the openai adapter specs: a fake OpenAI server (real sockets), the real
 * `openai` SDK pointed at it, wrapped by `createKeymesh`, and a recorder of every pool event.
 * Everything opened here is closed after each test.
 */
import OpenAI from 'openai';
import { afterEach, beforeEach, expect } from 'vitest';
import { keymeshEventNames, type KeyPoolOptions, type KeySnapshot, type KeymeshEventName, type KeymeshEvents, type WrapOptions } from '@keymesh/core';
import { createKeymesh, poolOf } from '@keymesh/core/openai';
import { expectNoSecretIn as expectNoSecretInAny, notStarted } from '../../__tests__/sdk-helpers.js';
import { startFakeProvider, type FakeProvider, type KeyBehaviour } from '@keymesh/testing';

/** Obviously fake secrets, long enough (≥ 16 chars) to be masked as `sk-…aaaa`. */
export const SECRET_A = 'sk-test-keymesh-openai-aaaa';
export const SECRET_B = 'sk-test-keymesh-openai-bbbb';
export const SECRET_C = 'sk-test-keymesh-openai-cccc';
export const SECRETS = [SECRET_A, SECRET_B, SECRET_C] as const;

/** Distinct reply texts per key, so a test can tell which key served the caller. */
export const TEXT_A = 'served by key a';
export const TEXT_B = 'served by key b';
export const TEXT_C = 'served by key c';

export const MESSAGES = [{ role: 'user' as const, content: 'hi' }];
export const MODEL = 'gpt-4o-mini';

/** Fast backoff so provider-trouble retries cost milliseconds. */
export const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 } as const;

export type RecordedEvent = { [E in KeymeshEventName]: { name: E; payload: KeymeshEvents[E] } }[KeymeshEventName];

export interface Harness {
  fake: FakeProvider;
  /** The wrapped client, typed as the SDK's own `OpenAI`. */
  client: OpenAI;
  pool: ReturnType<typeof poolOf>;
  /** Every pool event, in emission order. */
  events: RecordedEvent[];
  /** Event names in emission order. */
  names(): KeymeshEventName[];
  /** Payloads of one event name, in order. */
  payloads<E extends KeymeshEventName>(name: E): KeymeshEvents[E][];
  /** One key's snapshot by id (`a`, `b`, `c`). */
  key(id: string): KeySnapshot;
}

export interface HarnessOptions {
  /** Behaviour per key id, in pool order; the key ids are `a`, `b`, `c`. */
  a: KeyBehaviour;
  b?: KeyBehaviour;
  c?: KeyBehaviour;
  pool?: Omit<KeyPoolOptions, 'keys'> & WrapOptions;
  sdk?: Partial<NonNullable<ConstructorParameters<typeof OpenAI>[0]>>;
}

/** Registers the after-each clean-up and returns a factory of harnesses. */
export function useOpenAIHarness(): (options: HarnessOptions) => Promise<Harness> {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    // Pools first (ends pending waits), then the fakes (destroys stalled sockets).
    const pending = closers.splice(0).reverse();
    for (const close of pending) await close();
  });
  return async (options) => {
    const behaviours: Record<string, KeyBehaviour> = { [SECRET_A]: options.a };
    const keys = [{ id: 'a', secret: SECRET_A }];
    if (options.b !== undefined) {
      behaviours[SECRET_B] = options.b;
      keys.push({ id: 'b', secret: SECRET_B });
    }
    if (options.c !== undefined) {
      behaviours[SECRET_C] = options.c;
      keys.push({ id: 'c', secret: SECRET_C });
    }
    const fake = await startFakeProvider({ provider: 'openai', keys: behaviours });
    closers.push(() => fake.close());
    const client = createKeymesh({
      client: new OpenAI({ apiKey: 'unused-placeholder', baseURL: fake.url, ...options.sdk }),
      keys,
      strategy: 'priority',
      ...options.pool,
    });
    const pool = poolOf(client);
    closers.push(() => pool.close());
    const events: RecordedEvent[] = [];
    for (const name of keymeshEventNames.filter(notStarted)) {
      pool.on(name, (payload) => events.push({ name, payload } as RecordedEvent));
    }
    return {
      fake,
      client,
      pool,
      events,
      names: () => events.map((event) => event.name),
      payloads: <E extends KeymeshEventName>(name: E) => events.filter((event) => event.name === name).map((event) => event.payload as KeymeshEvents[E]),
      key: (id) => {
        const found = pool.snapshot().keys.find((k) => k.id === id);
        if (found === undefined) throw new Error(`no key ${id} in the pool`);
        return found;
      },
    };
  };
}

/** A chat completion through `client`. */
export function chat(client: OpenAI, options?: OpenAI.RequestOptions) {
  return client.chat.completions.create({ model: MODEL, messages: MESSAGES }, options);
}

/**
 * One retry owner: the SDK's own retries are off, so every request the fake saw is a first try
 * (`x-stainless-retry-count: 0`) and carried exactly one credential, a pooled one.
 */
export function expectSdkRetriesOff(fake: FakeProvider): void {
  expect(fake.requests.length).toBeGreaterThan(0);
  for (const request of fake.requests) {
    expect(request.retryCount).toBe(0);
    expect(request.headers['x-stainless-retry-count']).toBe('0');
    expect(request.keyCount).toBe(1);
    expect(SECRETS).toContain(request.key);
  }
}

/** Nothing in the recorded events carries a pooled secret. */
export function expectNoSecretIn(value: unknown): void {
  expectNoSecretInAny(value, SECRETS);
}

export { rejection, sleep, trackUnhandledRejections as useNoUnhandledRejections } from '../../__tests__/sdk-helpers.js';
import { sleep } from '../../__tests__/sdk-helpers.js';

/** Polls `condition` every 2 ms; fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(2);
  }
}
