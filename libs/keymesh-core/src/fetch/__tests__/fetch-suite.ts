import { startFakeProvider, type Behaviour, type FakeProvider } from '@keymesh/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoSecretIn, rejection, trackUnhandledRejections } from '../../__tests__/sdk-helpers.js';
import type { KeymeshEvents } from '../../events/pool-events.js';
import type { KeyPoolOptions } from '../../pool/options.js';
import { keymeshFetch, poolOf } from '../index.js';

export const A = 'sk-test-frame-aaaaaaaaaaaaaaaa';
export const B = 'sk-test-frame-bbbbbbbbbbbbbbbb';
export const reply = 'Hello from the fake provider!';

/** What one framework client (e.g. the AI SDK's `openai.chat`, LangChain's `ChatAnthropic`) does through a fetch. */
export interface FetchTarget {
  name: string;
  provider: 'openai' | 'anthropic' | 'gemini';
  /** The base URL the framework is configured with, from the fake's. */
  baseURL(fake: FakeProvider): string;
  /** A non-stream call; resolves to the answer text. */
  generate(fetch: typeof globalThis.fetch, baseURL: string, model: string, signal?: AbortSignal): Promise<string>;
  /** A stream; resolves to the text received and the error the framework surfaced, if any. */
  stream(fetch: typeof globalThis.fetch, baseURL: string, model: string, signal?: AbortSignal): Promise<{ text: string; error?: unknown }>;
  /** Checks the framework's own error for a 400 (its error class, its status). */
  expectBadRequest(error: unknown): void;
  models: [string, string];
}

export interface TargetHarness {
  start(keys: Record<string, Behaviour | Behaviour[]>, options?: Partial<KeyPoolOptions>): Promise<{ fake: FakeProvider; fetch: typeof globalThis.fetch; url: string }>;
}

/**
 * The guarantees every framework gets through `keymeshFetch`, checked with the real framework
 * package against a fake provider over real sockets.
 */
export function describeFetchTarget(target: FetchTarget): TargetHarness {
  let fake: FakeProvider | undefined;
  trackUnhandledRejections();
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });
  const harness: TargetHarness = {
    async start(keys, options = {}) {
      fake = await startFakeProvider({ provider: target.provider, keys });
      const fetch = keymeshFetch({ provider: target.provider, keys: Object.keys(keys), baseURL: fake.origin, retry: { baseDelayMs: 1, maxDelayMs: 1 }, ...options } as never);
      return { fake, fetch, url: target.baseURL(fake) };
    },
  };
  const [model, otherModel] = target.models;

  describe(`${target.name} through keymeshFetch`, () => {
    it('rotates to the next key on 429, with one request per key (no framework retry)', async () => {
      const { fake, fetch, url } = await harness.start({ [A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [B]: { kind: 'ok' } }, { strategy: 'priority' });
      expect(await target.generate(fetch, url, model)).toBe(reply);
      expect(fake.requests.map((r) => r.key)).toEqual([A, B]);
      expect(fake.requests.every((r) => r.keyCount === 1)).toBe(true);
    });

    it('fails a stream over when its first event is an error', async () => {
      const { fake, fetch, url } = await harness.start({ [A]: { kind: 'stream_error', afterChunks: 0 }, [B]: { kind: 'ok' } });
      const result = await target.stream(fetch, url, model);
      expect(result.error).toBeUndefined();
      expect(result.text).toBe(reply);
      expect(fake.requests.map((r) => r.key)).toEqual([A, B]);
    });

    it('does not retry once the first chunk reached the caller: the error surfaces', async () => {
      const { fake, fetch, url } = await harness.start({ [A]: { kind: 'stream_drop', afterChunks: 2 }, [B]: { kind: 'ok' } });
      const result = await target.stream(fetch, url, model);
      expect(result.error).toBeDefined();
      expect(result.text.length).toBeLessThan(reply.length);
      expect(fake.requests.map((r) => r.key)).toEqual([A]);
    });

    it('rejects at once on abort, with no retry', async () => {
      const { fake, fetch, url } = await harness.start({ [A]: { kind: 'ok', latencyMs: 10_000 }, [B]: { kind: 'ok' } }, { strategy: 'priority' });
      const controller = new AbortController();
      const pending = target.generate(fetch, url, model, controller.signal);
      await until(() => fake.requests.length === 1);
      const startedAt = Date.now();
      controller.abort();
      const error = await rejection(pending);
      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expect(String((error as Error).name) + String((error as Error).message)).toMatch(/abort/i);
      expect(fake.requests.map((r) => r.key)).toEqual([A]);
    });

    it('passes a 400 through once, as the framework’s own error', async () => {
      const { fake, fetch, url } = await harness.start({ [A]: { kind: 'status', status: 400 }, [B]: { kind: 'ok' } });
      target.expectBadRequest(await rejection(target.generate(fetch, url, model)));
      expect(fake.requests).toHaveLength(1);
      expect(poolOf(fetch).snapshot().keys.every((k) => k.failures === 0)).toBe(true);
    });

    it('scopes each call by its model, and keeps secrets out of events and snapshots', async () => {
      const { fetch, url } = await harness.start({ [A]: { kind: 'ok' } });
      const events: Array<KeymeshEvents['request.succeeded']> = [];
      poolOf(fetch).on('request.succeeded', (event) => events.push(event));
      await target.generate(fetch, url, model);
      await target.stream(fetch, url, otherModel);
      expect(events.map((e) => e.scope)).toEqual([model, otherModel]);
      expect(events[0]!.usage?.totalTokens).toBeGreaterThan(0);
      expectNoSecretIn([events, poolOf(fetch).snapshot()], [A, B]);
    });
  });
  return harness;
}

/** Waits (in real time, bounded) until `condition` holds. */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
