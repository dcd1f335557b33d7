/**
 * Shape and helpers of a pooled genai client: patched in place (genai cannot clone a client),
 * same class and resources, pagers page through the pool, secrets never exposed, and genai's own
 * key and retries never used.
 */
import { inspect } from 'node:util';
import { GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { createKeymesh, poolOf } from '@keymesh/core/gemini';
import { KeyPool, isConfigError } from '@keymesh/core';
import { MODEL, SECRET, TEXT, drain, expectNoSecret, rejection, useRig } from './__tests__/harness.js';

const rig = useRig();

describe('gemini: a pooled client is the same client', () => {
  it('createKeymesh({ client: ai }) returns ai itself, still a GoogleGenAI, with stable resources', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' } } });
    const fresh = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: r.fake.url } });
    const models = fresh.models;
    const wrapped = createKeymesh({ client: fresh, keys: [SECRET.b] });
    try {
      expect(wrapped).toBe(fresh);
      expect(wrapped).toBeInstanceOf(GoogleGenAI);
      expect(wrapped.models).toBe(models);
      expect(wrapped.models).toBe(wrapped.models);
      expect(wrapped.chats).toBe(wrapped.chats);
      expect(poolOf(wrapped)).toBeInstanceOf(KeyPool);
      expect(poolOf(fresh)).toBe(poolOf(wrapped));
    } finally {
      await poolOf(wrapped).close();
    }
  });

  it('generateContent answers with genai’s own response type, and the client’s own key is never sent', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' }, b: { kind: 'ok' } } });
    const response = await r.generate();
    expect(response.text).toBe(TEXT);
    expect(response.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    await drain(await r.ai.models.generateContentStream({ model: MODEL, contents: 'hi' }));
    await r.ai.models.countTokens({ model: MODEL, contents: 'hello' });
    await r.ai.models.embedContent({ model: 'text-embedding-004', contents: ['x'] });

    expect(r.fake.requests).toHaveLength(4);
    expect(r.fake.countFor('unused')).toBe(0);
    for (const request of r.fake.requests) {
      expect(request.keyCount).toBe(1);
      expect(request.key).toBe(SECRET.a);
    }
    expect(r.key('a').requests).toBe(4);
  });

  it('a per-request x-goog-api-key header is replaced by the pooled key, not sent alongside it', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' } } });
    await r.generate({ httpOptions: { headers: { 'x-goog-api-key': 'sk-test-caller-own-key' } } });
    expect(r.fake.requests).toMatchObject([{ key: SECRET.a, keyCount: 1 }]);
  });

  it('models.list() pages through the pool: page 2 hits a 429 on A and B serves it and page 3', async () => {
    const r = await rig({ keys: { a: { kind: 'rate_limit', limit: 1, windowMs: 60_000 }, b: { kind: 'ok' } }, fake: { pageSize: 2 } });
    const names: string[] = [];
    for await (const model of await r.ai.models.list()) names.push(model.name ?? '');

    expect(names).toEqual(['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash', 'text-embedding-004'].map((m) => `models/${m}`));
    const seen = r.fake.requests.map((q) => [q.key === SECRET.a ? 'a' : 'b', q.status, q.query['pageToken'] ?? null]);
    const [, , token2] = seen[1];
    expect(token2).not.toBeNull();
    expect(seen).toEqual([
      ['a', 200, null],
      ['a', 429, token2],
      ['b', 200, token2],
      ['b', 200, seen[3][2]],
    ]);
    expect(seen[3][2]).not.toBe(token2);
    // The 429's QuotaFailure names a model (the fake's default): that model's limit is sidelined
    // too, beside the list's own scope — two key.rate_limited for one answer.
    expect(r.names()).toEqual(['request.succeeded', 'key.rate_limited', 'key.rate_limited', 'request.retried', 'key.rotated', 'request.succeeded', 'request.succeeded']);
  });
});

describe('gemini: secrets and re-wrapping', () => {
  it('the client never exposes a pooled secret: apiKey, JSON and inspect show only its own placeholder', async () => {
    const r = await rig({ keys: { a: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, b: { kind: 'ok' }, c: { kind: 'ok' } } });
    await r.generate();
    expect((r.ai as unknown as { apiKey: string }).apiKey).toBe('unused'); // private in the types, a plain field at run time
    const json = JSON.stringify(r.ai);
    expect(json).toContain('unused'); // the probe works: it does see the client's own key
    expectNoSecret(json);
    expectNoSecret(inspect(r.ai, { depth: 10, showHidden: true }));
    expectNoSecret(inspect(r.pool, { depth: 10, showHidden: true }));
    expectNoSecret(r.pool.snapshot());
    expectNoSecret(r.events);
  });

  it('a second createKeymesh on an already pooled client throws ERR_KEYMESH_CLIENT_ALREADY_POOLED and the first pool keeps serving', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' } } });
    let error: unknown;
    try {
      createKeymesh({ client: r.ai, keys: [SECRET.c] });
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_CLIENT_ALREADY_POOLED', option: 'client' });
    expectNoSecret(inspect(error));
    expect(poolOf(r.ai)).toBe(r.pool);
    await r.generate();
    expect(r.fake.requests.map((q) => q.key)).toEqual([SECRET.a]);
    expect(r.key('a').requests).toBe(1);
  });

  it('once its pool is closed, the patched client refuses to call (PoolClosedError) and sends nothing', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' } } });
    await r.pool.close();
    const error = await rejection(r.generate());
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_POOL_CLOSED', poolName: 'gemini-test' });
    expect(r.fake.requests).toHaveLength(0);
  });
});

type ApiCall = (...args: unknown[]) => Promise<unknown>;
interface Transport {
  unaryApiCall: ApiCall;
  streamApiCall: ApiCall;
}
const transportOf = (ai: GoogleGenAI) => (ai as unknown as { apiClient: Transport }).apiClient;
const PARAMS = ['url', 'requestInit', 'httpMethod', 'retryOptions', 'timeout', 'abortSignal', 'fetchFn'];
const paramsOf = (fn: ApiCall) => /\(([^)]*)\)/.exec(fn.toString())?.[1]?.split(',').map((p) => p.trim());

describe('gemini tripwire: the genai internals the adapter hooks', () => {
  it('apiClient.unaryApiCall / streamApiCall exist with the parameter order (url, requestInit, httpMethod, retryOptions, timeout, abortSignal, fetchFn)', () => {
    const api = transportOf(new GoogleGenAI({ apiKey: 'unused' }));
    for (const name of ['unaryApiCall', 'streamApiCall'] as const) {
      expect(typeof api[name]).toBe('function');
      expect(api[name].length).toBe(7);
      expect(paramsOf(api[name])).toEqual(PARAMS);
    }
  });

  it('a pooled call, observed on both sides of the hook: genai hands over its args in that order; the adapter swaps key, retries and fetch', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' } } });
    const userFetch: typeof fetch = (input, init) => ((userFetch as unknown as { calls: number }).calls++, fetch(input, init));
    (userFetch as unknown as { calls: number }).calls = 0;
    const retryOptions = { attempts: 4, initialDelay: 0.001 };
    const ai = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: r.fake.url, retryOptions, timeout: 5_000, fetch: userFetch } });
    const api = transportOf(ai);
    const inner: Record<string, unknown[][]> = { unaryApiCall: [], streamApiCall: [] };
    const outer: Record<string, unknown[][]> = { unaryApiCall: [], streamApiCall: [] };
    const record = (name: keyof Transport, log: Record<string, unknown[][]>) => {
      const original = api[name];
      api[name] = function (this: unknown, ...args: unknown[]) {
        log[name].push(args);
        return original.apply(this, args);
      };
    };
    record('unaryApiCall', inner);
    record('streamApiCall', inner);
    const pooled = createKeymesh({ client: ai, keys: [SECRET.a] });
    record('unaryApiCall', outer);
    record('streamApiCall', outer);
    const signal = new AbortController().signal;
    try {
      await pooled.models.generateContent({ model: MODEL, contents: 'hi', config: { abortSignal: signal } });
      await drain(await pooled.models.generateContentStream({ model: MODEL, contents: 'hi', config: { abortSignal: signal } }));
    } finally {
      await poolOf(pooled).close();
    }

    for (const name of ['unaryApiCall', 'streamApiCall'] as const) {
      expect(outer[name]).toHaveLength(1);
      expect(inner[name]).toHaveLength(1);
      const [url, init, method, retries, timeout, abortSignal, fetchFn] = outer[name][0];
      expect(String(url)).toContain(name === 'unaryApiCall' ? ':generateContent' : ':streamGenerateContent');
      expect((init as RequestInit).headers).toBeInstanceOf(Headers);
      expect(((init as RequestInit).headers as Headers).get('x-goog-api-key')).toBe('unused');
      expect([method, retries, timeout, abortSignal, fetchFn]).toEqual(['POST', retryOptions, 5_000, signal, userFetch]);

      const [innerUrl, innerInit, innerMethod, innerRetries, innerTimeout, innerSignal, innerFetch] = inner[name][0];
      expect(innerUrl).toBe(url);
      expect(((innerInit as RequestInit).headers as Headers).get('x-goog-api-key')).toBe(SECRET.a);
      expect([innerMethod, innerRetries, innerTimeout, innerSignal]).toEqual(['POST', undefined, 5_000, signal]);
      expect(typeof innerFetch).toBe('function');
      expect(innerFetch).not.toBe(userFetch);
    }
    // The settling fetch delegates to the user's fetch.
    expect((userFetch as unknown as { calls: number }).calls).toBe(2);
    expect(r.fake.requests.map((q) => q.key)).toEqual([SECRET.a, SECRET.a]);
  });

  it('genai’s own retryOptions are never used: a 503 reaches the fake once per Keymesh attempt', async () => {
    const r = await rig({
      keys: { a: { kind: 'status', status: 503 } },
      httpOptions: { retryOptions: { attempts: 3, initialDelay: 0.001, maxDelay: 0.002 } },
      pool: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } },
    });
    const error = await rejection(r.generate());
    expect(error).toMatchObject({ status: 503 });
    expect(r.count('a')).toBe(2);

    // Control: the same client options without Keymesh do retry inside genai (3 requests).
    r.fake.reset();
    const raw = new GoogleGenAI({ apiKey: SECRET.a, httpOptions: { baseUrl: r.fake.url, retryOptions: { attempts: 3, initialDelay: 0.001, maxDelay: 0.002 } } });
    await rejection(raw.models.generateContent({ model: MODEL, contents: 'hi' }));
    expect(r.count('a')).toBe(3);
  });

  // KNOWN GAP (gemini-adapter.ts): genai 3's NextGen surfaces (`ai.interactions`, `ai.webhooks`,
  // `ai.agents`) run on a separate Speakeasy client built from `apiClient.getAuthHeaders()` and
  // `apiClient.getFetch()`; they never touch unaryApiCall/streamApiCall, so they bypass the pool
  // and send the client's own placeholder key. Flip to `it` once the adapter routes them.
  it.fails('ai.interactions.create goes through the pool with a pooled key', async () => {
    const r = await rig({ keys: { a: { kind: 'ok' } } });
    await rejection((r.ai as unknown as { interactions: { create(p: object): Promise<unknown> } }).interactions.create({ model: MODEL, input: 'hi' }));
    expect(r.fake.requests).toHaveLength(1);
    expect(r.fake.requests[0].key).toBe(SECRET.a); // actual: 'unused'
    expect(r.key('a').requests).toBe(1); // actual: 0, the pool never saw it
  });
});
