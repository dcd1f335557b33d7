import { startFakeProvider, type FakeProvider } from '@keymesh/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoSecretIn, rejection } from '../__tests__/sdk-helpers.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createKeymesh, isConfigError, KeyPool, poolOf as poolOfRoot, type KeymeshEvents } from '../index.js';
import { poolOf as poolOfOpenAI } from '../openai/index.js';
import { keymeshFetch, poolOf, UnsafeUrlError } from './index.js';

const A = 'sk-test-fetch-aaaaaaaaaaaaaaaa';
const B = 'sk-test-fetch-bbbbbbbbbbbbbbbb';
const C = 'sk-test-fetch-cccccccccccccccc';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const chat = (model = 'gpt-4o-mini', extra: object = {}) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 20, ...extra });

function post(fetch: typeof globalThis.fetch, url: string, body: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer unused', ...headers }, body, signal });
}

describe('keymeshFetch credentials and origin', () => {
  it('replaces the framework credential with one pooled key per provider', async () => {
    fake = await startFakeProvider({ provider: 'anthropic', keys: { [A]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'anthropic', keys: [A], baseURL: fake.url });
    // LangChain's @anthropic-ai/sdk sends a Bearer, the AI SDK x-api-key: both go, one pooled key is set.
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { Authorization: 'Bearer unused', 'X-Api-Key': 'unused', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(fake.requests[0]).toMatchObject({ key: A, keyCount: 1 });
  });

  it('reads a Request input with a Headers instance the way fetch does', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A], baseURL: fake.url });
    const request = new Request(`${fake.url}/chat/completions`, { method: 'POST', headers: new Headers({ Authorization: 'Bearer unused', 'X-Trace': 'one' }), body: chat('o4-mini') });
    const response = await fetch(request);
    expect(response.status).toBe(200);
    expect(fake.requests[0]).toMatchObject({ key: A, keyCount: 1, headers: { 'x-trace': 'one' }, body: { model: 'o4-mini' } });
  });

  it('sends x-goog-api-key to Gemini and drops a ?key= the client added', async () => {
    fake = await startFakeProvider({ provider: 'gemini', keys: { [A]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'gemini', keys: [A], baseURL: fake.url });
    const response = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:generateContent?key=unused`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'unused', 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(fake.requests[0]).toMatchObject({ key: A, keyCount: 1 });
    expect(fake.requests[0]!.query).toEqual({});
  });

  it('refuses a call to another origin or outside the base path, before any key is chosen', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A], baseURL: fake.url });
    for (const url of [`http://localhost:${fake.port}/v1/chat/completions`, `${fake.origin}/v2/chat/completions`, `${fake.origin}/v1/../v2/x`, 'https://evil.example/v1/chat/completions']) {
      const error = await rejection(post(fetch, url, chat()));
      expect(error).toBeInstanceOf(UnsafeUrlError);
      expect(error).toMatchObject({ code: 'ERR_KEYMESH_UNSAFE_URL' });
      expect((error as Error).message).toContain('baseURL');
    }
    expect(fake.requests).toHaveLength(0);
    expect(poolOf(fetch).snapshot().keys[0]!.requests).toBe(0);
  });

  it('returns a redirect as it is: the key never follows it to another host', async () => {
    const elsewhere: string[] = [];
    const other = createServer((req, res) => (elsewhere.push(String(req.headers.authorization)), res.end('{}')));
    const redirecting = createServer((_req, res) => res.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/chat/completions` }).end());
    await Promise.all([other, redirecting].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
    try {
      const origin = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      const fetch = keymeshFetch({ provider: 'openai', keys: [A], baseURL: `${origin}/v1` });
      const response = await post(fetch, `${origin}/v1/chat/completions`, chat());
      expect(response.status).toBe(307);
      expect(elsewhere).toEqual([]);
    } finally {
      for (const server of [other, redirecting]) server.close();
    }
  });

  it("defaults to the provider's official origin", async () => {
    const fetch = keymeshFetch({ provider: 'openai', keys: [A], fetch: () => Promise.reject(new Error('not reached')) });
    await expect(post(fetch, 'http://127.0.0.1:9/v1/chat/completions', chat())).rejects.toBeInstanceOf(UnsafeUrlError);
    const seen: string[] = [];
    const recording = keymeshFetch({ provider: 'gemini', keys: [A], fetch: async (url) => (seen.push(String(url)), new Response('{}', { headers: { 'content-type': 'application/json' } })) });
    await recording('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent', { method: 'POST', body: '{}' });
    expect(seen).toEqual(['https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent']);
  });

  it('refuses bad options with typed errors naming the option', () => {
    const cases: Array<[unknown, string]> = [
      [{ provider: 'mistral', keys: [A] }, 'provider'],
      [{ provider: 'openai', keys: [A], baseURL: 'ftp://x' }, 'baseURL'],
      [{ provider: 'openai', keys: [A], fetch: 'no' }, 'fetch'],
      [{ provider: 'openai', keys: [A], estimateTokens: 3 }, 'estimateTokens'],
      [{ provider: 'openai', keys: [A], idleTimeoutMs: 0 }, 'idleTimeoutMs'],
      [{ provider: 'openai', keys: [] }, 'keys'],
      [{ provider: 'openai', keys: [A], stratgy: 'random' }, 'stratgy'],
      [{ provider: 'openai', pool: {} }, 'pool'],
      [{ provider: 'openai', pool: new KeyPool({ keys: [A] }), strategy: 'random' }, 'strategy'],
    ];
    for (const [options, option] of cases) {
      let error: unknown;
      try {
        keymeshFetch(options as never);
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error), JSON.stringify(options)).toBe(true);
      expect(error).toMatchObject({ option });
    }
  });
});

describe('keymeshFetch through the pool', () => {
  it('rotates on 429 at once and answers with the good key', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [B]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, strategy: 'priority' });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat());
    expect(response.status).toBe(200);
    expect((await response.json()) as object).toMatchObject({ object: 'chat.completion' });
    expect(fake.requests.map((r) => r.key)).toEqual([A, B]);
  });

  it('passes a 400 through once, unretried, with its body', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'status', status: 400 } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A], baseURL: fake.url });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat());
    expect(response.status).toBe(400);
    expect((await response.json()) as object).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(fake.requests).toHaveLength(1);
    expect(poolOf(fetch).snapshot().keys[0]).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('resolves to the last upstream answer, redacted, when attempts run out', async () => {
    // Providers echo the key a request carried; each answer is redacted of its own key.
    const echo = (key: string) => ({ kind: 'status', status: 500, body: { error: { message: `Upstream echoed ${key}`, type: 'server_error', code: null } } }) as const;
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: echo(A), [B]: echo(B) } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat());
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toMatch(/Upstream echoed sk-…(aaaa|bbbb)"/);
    expectNoSecretIn(text, [A, B]);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(fake.requests).toHaveLength(2);
  });

  it('redacts an echoed key before it cuts a long error body, and hands the caller the whole (redacted) body', async () => {
    // The key straddles the 64 KiB cut of what Keymesh keeps: cut first, and a prefix of it would survive.
    const message = `${'x'.repeat(64 * 1024 - 40)} ${A} ${'y'.repeat(200)}`;
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'status', status: 400, body: { error: { message, type: 'invalid_request_error', param: null, code: null } } } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A], baseURL: fake.url });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat());
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain(A.slice(0, 12));
    expect((JSON.parse(text) as { error: { message: string } }).error.message).toMatch(/ sk-…aaaa y+$/);
  });

  it('answers a 503 problem with Retry-After when no key can be tried', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'quota' }, [B]: { kind: 'rate_limit', limit: 0, windowMs: 120_000 } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url });
    for (let i = 0; i < 2; i++) {
      const response = await post(fetch, `${fake.url}/chat/completions`, chat());
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      // The rate-limited key frees up when its window ends: that is the wait announced.
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(110);
      expect((await response.json()) as object).toMatchObject({ type: 'https://keymesh.dev/problems/pool-exhausted', status: 503, pool: 'openai' });
    }
    // Both keys were tried by the first call (each once); the second call found none to try.
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a non-stream body dropped half-way on another key', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'stream_drop', afterChunks: 0 }, [B]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat());
    expect((await response.json()) as object).toMatchObject({ choices: [{ message: { content: 'Hello from the fake provider!' } }] });
    expect(fake.requests.map((r) => r.key)).toEqual([A, B]);
  });

  it('fails a stream over when its first event is an error, and not after the first event', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'stream_error', afterChunks: 0 }, [B]: { kind: 'stream_error', afterChunks: 2 } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat('gpt-4o-mini', { stream: true }));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('chat.completion.chunk');
    expect(text).toContain('"error"');
    expect(fake.requests.map((r) => r.key)).toEqual([A, B]);
  });

  it('gives the caller the error event when every attempt failed on it', async () => {
    fake = await startFakeProvider({ provider: 'anthropic', keys: { [A]: { kind: 'stream_error', afterChunks: 0 } } });
    const fetch = keymeshFetch({ provider: 'anthropic', keys: [A], baseURL: fake.url, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const response = await fetch(`${fake.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, stream: true, messages: [] }) });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^event: error\n/);
    expect(fake.requests).toHaveLength(2);
  });

  it('fails over a stream that stalls before its first event, bounded by idleTimeoutMs', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'stream_stall', afterChunks: 0 }, [B]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, idleTimeoutMs: 100, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat('gpt-4o-mini', { stream: true }));
    expect(await response.text()).toContain('[DONE]');
    expect(fake.requests.map((r) => r.key)).toEqual([A, B]);
  });

  it('errors a stream that stalls after its first event with StreamIdleTimeoutError, unretried', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'stream_stall', afterChunks: 2 }, [B]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, strategy: 'priority', idleTimeoutMs: 100 });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat('gpt-4o-mini', { stream: true }));
    expect(response.status).toBe(200);
    expect(await rejection(response.text())).toMatchObject({ code: 'ERR_KEYMESH_STREAM_IDLE' });
    expect(fake.requests.map((r) => r.key)).toEqual([A]);
  });

  it.each([{}, { attemptTimeoutMs: 10_000 }])('a caller abort after the first event ends the stream and its upstream call (%j)', async (extra) => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'stream_stall', afterChunks: 1 } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A], baseURL: fake.url, ...extra });
    const controller = new AbortController();
    const response = await post(fetch, `${fake.url}/chat/completions`, chat('gpt-4o-mini', { stream: true }), {}, controller.signal);
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort();
    expect(await rejection(reader.read())).toMatchObject({ name: 'AbortError' });
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects as fetch does when the last attempt met a network error', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'reset' }, [B]: { kind: 'reset' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const error = await rejection(post(fetch, `${fake.url}/chat/completions`, chat()));
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(fake.requests).toHaveLength(2);
  });

  it('rejects at once with the abort reason and no retry', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'ok', latencyMs: 5_000 }, [B]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, strategy: 'priority' });
    const controller = new AbortController();
    const pending = post(fetch, `${fake.url}/chat/completions`, chat(), {}, controller.signal);
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(pending);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(fake.requests.map((r) => r.key)).toEqual([A]);
  });

  it('scopes each call by its model and reports the estimate and the usage', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'ok' } } });
    const events: Array<KeymeshEvents['request.succeeded']> = [];
    const fetch = keymeshFetch({ provider: 'openai', keys: [A], baseURL: fake.url });
    poolOf(fetch).on('request.succeeded', (event) => events.push(event));
    await (await post(fetch, `${fake.url}/chat/completions`, chat('gpt-4o'))).json();
    await (await post(fetch, `${fake.url}/chat/completions`, chat('gpt-4.1-mini'))).json();
    expect(events.map((e) => e.scope)).toEqual(['gpt-4o', 'gpt-4.1-mini']);
    expect(events[0]!.usage).toEqual({ inputTokens: expect.any(Number), outputTokens: 5, totalTokens: expect.any(Number) });
  });

  it('never puts a secret in events, snapshots or errors', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'invalid_key' }, [B]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url });
    const events: unknown[] = [];
    for (const name of ['request.failed', 'key.disabled', 'key.rate_limited', 'key.rotated'] as const) poolOf(fetch).on(name, (e) => events.push(e));
    const response = await post(fetch, `${fake.url}/chat/completions`, chat());
    expect(response.status).toBe(503);
    expect(events.length).toBeGreaterThan(2);
    expectNoSecretIn([events, poolOf(fetch).snapshot(), await response.text()], [A, B]);
  });
});

describe('poolOf and shared pools', () => {
  it('finds the pool from every entry point', () => {
    const fetch = keymeshFetch({ provider: 'openai', keys: [A] });
    expect(poolOfRoot(fetch)).toBe(poolOf(fetch));
    expect(poolOfOpenAI(fetch)).toBe(poolOf(fetch));
    expect(poolOf(fetch).name).toBe('openai');
  });

  it('shares one pool between a keymeshFetch and another client', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'quota' }, [B]: { kind: 'ok' }, [C]: { kind: 'ok' } } });
    const first = keymeshFetch({ provider: 'openai', keys: [A, B, C], baseURL: fake.url, strategy: 'priority' });
    const second = keymeshFetch({ provider: 'openai', pool: poolOf(first), baseURL: fake.url });
    expect(poolOf(second)).toBe(poolOf(first));
    await post(first, `${fake.url}/chat/completions`, chat());
    await post(second, `${fake.url}/chat/completions`, chat());
    // The key disabled through the first fetch is skipped by the second.
    expect(fake.requests.map((r) => r.key)).toEqual([A, B, B]);
  });

  it('shares the pool of an OpenAI SDK client: a key the SDK client found out of credit is skipped by the fetch', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'quota' }, [B]: { kind: 'ok' } } });
    const openai = createKeymesh({ client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [A, B], strategy: 'priority' });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    const fetch = keymeshFetch({ provider: 'openai', pool: poolOfRoot(openai), baseURL: fake.url });
    expect(poolOf(fetch)).toBe(poolOfRoot(openai));
    expect((await post(fetch, `${fake.url}/chat/completions`, chat())).status).toBe(200);
    expect(fake.requests.map((r) => r.key)).toEqual([A, B, B]);
  });

  it('refuses a pool that classifies another provider’s answers', () => {
    const gemini = keymeshFetch({ provider: 'gemini', keys: [A] });
    expect(() => keymeshFetch({ provider: 'openai', pool: poolOf(gemini) })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_OPTION', option: 'pool' }));
  });
});

describe('keymeshFetch request handling', () => {
  it('buffers a streamed request body so a rotation sends the same bytes', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [B]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, strategy: 'priority' });
    const body = new Blob([chat('gpt-4.1')]).stream();
    const response = await fetch(`${fake.url}/chat/completions`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(200);
    expect(fake.requests.map((r) => [r.key, (r.body as { model: string }).model])).toEqual([[A, 'gpt-4.1'], [B, 'gpt-4.1']]);
  });

  it('gives a streamed body larger than maxReplayBodyBytes one attempt', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [B]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, strategy: 'priority', maxReplayBodyBytes: 10 });
    const response = await fetch(`${fake.url}/chat/completions`, { method: 'POST', body: new Blob([chat()]).stream(), duplex: 'half' } as RequestInit);
    expect(response.status).toBe(429);
    expect(fake.requests.map((r) => r.key)).toEqual([A]);
  });

  it('reads the per-request stream failover switch and never sends it', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'stream_error', afterChunks: 0 }, [B]: { kind: 'ok' } } });
    const fetch = keymeshFetch({ provider: 'openai', keys: [A, B], baseURL: fake.url, strategy: 'priority' });
    const response = await post(fetch, `${fake.url}/chat/completions`, chat('gpt-4o-mini', { stream: true }), { 'x-keymesh-stream-failover': 'headers' });
    // Handed over at its headers: the error event reaches the caller, nothing is retried.
    expect(await response.text()).toContain('"error"');
    expect(fake.requests.map((r) => r.key)).toEqual([A]);
    expect(fake.requests[0]!.headers['x-keymesh-stream-failover']).toBeUndefined();
  });

  it('hands estimateTokens the request and Keymesh’s own estimate', async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [A]: { kind: 'ok' } } });
    const seen: unknown[] = [];
    const fetch = keymeshFetch({ provider: 'openai', keys: [A], baseURL: fake.url, estimateTokens: (request) => (seen.push(request), 7) });
    await post(fetch, `${fake.url}/chat/completions`, chat('gpt-4o'));
    expect(seen).toEqual([{ provider: 'openai', path: '/v1/chat/completions', body: JSON.parse(chat('gpt-4o')), model: 'gpt-4o', estimate: { tokens: expect.any(Number) } }]);
  });
});
