import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT, providerError, startFakeProvider, type FakeProviderOptions } from './index.js';
import { manualClock, rejection, useFakes } from './__tests__/fakes.js';

const start = useFakes();

function get(url: string, key?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
  return fetch(url, { ...init, headers });
}

describe('startFakeProvider: options', () => {
  it.each<[string, unknown]>([
    ['an unknown option', { provider: 'http', latency: 5 }],
    ['an unknown provider', { provider: 'azure' }],
    ['an unknown behaviour kind', { provider: 'http', keys: { k: { kind: 'slow' } } }],
    ['an empty script', { provider: 'http', keys: { k: [] } }],
    ['a negative latency', { provider: 'http', latencyMs: -1 }],
    ['a rate limit without a window', { provider: 'http', keys: { k: { kind: 'rate_limit', limit: 1 } } }],
    ['a non-error status', { provider: 'http', keys: { k: { kind: 'status', status: 200 } } }],
    ['a fractional afterChunks', { provider: 'http', keys: { k: { kind: 'stream_drop', afterChunks: 1.5 } } }],
    ['auth on an SDK provider', { provider: 'openai', auth: 'bearer' }],
    ['bad hints', { provider: 'http', hints: ['retry-later'] }],
  ])('rejects %s before listening', async (_, options) => {
    await expect(startFakeProvider(options as FakeProviderOptions)).rejects.toThrow();
  });
});

describe('http fake', () => {
  it('echoes any method and path as JSON, with rate-limit headers, and records without the credential', async () => {
    const fake = await start({ provider: 'http', keys: { 'key-a': { kind: 'ok' } } });
    expect(fake.url).toBe(fake.origin);
    const res = await get(`${fake.url}/things/1?x=2`, 'key-a', { method: 'PUT', body: JSON.stringify({ a: 1 }), headers: { 'x-trace': 't' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-remaining')).toBe('9999');
    expect(await res.json()).toEqual({ ok: true, method: 'PUT', path: '/things/1', query: { x: '2' }, body: { a: 1 } });
    expect(fake.requests[0]).toMatchObject({ key: 'key-a', keyCount: 1, method: 'PUT', path: '/things/1', body: { a: 1 }, behaviour: 'ok', status: 200 });
    expect(fake.requests[0].headers['x-trace']).toBe('t');
    expect(fake.requests[0].headers['authorization']).toBeUndefined();
  });

  it.each<[string, FakeProviderOptions, (url: string) => Promise<Response>]>([
    ['a custom header', { provider: 'http', auth: { header: 'X-Service-Key' }, keys: { s3cret: { kind: 'ok' } } }, (url) => fetch(`${url}/a`, { headers: { 'x-service-key': 's3cret' } })],
    ['a query parameter', { provider: 'http', auth: { query: 'api_key' }, keys: { s3cret: { kind: 'ok' } } }, (url) => fetch(`${url}/a?api_key=s3cret&b=1`)],
  ])('reads the key from %s and never records it', async (_, options, call) => {
    const fake = await start(options);
    const res = await call(fake.url);
    expect(res.status).toBe(200);
    expect(fake.requests[0].key).toBe('s3cret');
    expect(JSON.stringify(fake.requests[0].headers) + JSON.stringify(fake.requests[0].query)).not.toContain('s3cret');
    expect(JSON.stringify(await res.json())).not.toContain('s3cret');
  });

  it('answers unknown and missing keys with 401', async () => {
    const fake = await start({ provider: 'http', keys: { 'key-a': { kind: 'ok' } } });
    expect((await get(`${fake.url}/x`, 'nope')).status).toBe(401);
    const missing = await get(`${fake.url}/x`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'missing_api_key' } });
    expect(fake.requests.map((r) => [r.key, r.behaviour])).toEqual([['nope', 'invalid_key'], [undefined, undefined]]);
  });

  it('streams SSE for ?stream=1 or accept: text/event-stream, and applies stream faults', async () => {
    const fake = await start({
      provider: 'http',
      keys: { ok: { kind: 'ok', text: 'a b c' }, drop: { kind: 'stream_drop', afterChunks: 1 }, err: { kind: 'stream_error', afterChunks: 2 } },
    });
    const ok = await get(`${fake.url}/s?stream=1`, 'ok');
    expect(ok.headers.get('content-type')).toContain('text/event-stream');
    expect(await ok.text()).toBe('data: {"index":0,"delta":"a "}\n\ndata: {"index":1,"delta":"b "}\n\ndata: {"index":2,"delta":"c"}\n\ndata: [DONE]\n\n');
    const drop = await get(`${fake.url}/s`, 'drop', { headers: { accept: 'text/event-stream' } });
    await expect(drop.text()).rejects.toThrow('terminated');
    const err = await get(`${fake.url}/s?stream=true`, 'err');
    expect((await err.text()).split('\n\n').filter(Boolean).at(-1)).toMatch(/^event: error\ndata: \{"error":\{"status":503/);
    expect(fake.requests.every((r) => r.stream)).toBe(true);
  });

  it('drops or stalls a non-stream body half way for the stream faults', async () => {
    const fake = await start({ provider: 'http', keys: { drop: { kind: 'stream_drop', afterChunks: 3 }, err: { kind: 'stream_error', afterChunks: 3 } } });
    const drop = await get(`${fake.url}/x`, 'drop');
    expect(drop.status).toBe(200);
    await expect(drop.json()).rejects.toThrow('terminated');
    expect((await get(`${fake.url}/x`, 'err')).status).toBe(503);
  });

  it('rate limits with retry-after, a quota 429 carries no hint', async () => {
    const clock = manualClock();
    const fake = await start({ provider: 'http', clock: clock.now, keys: { rl: { kind: 'rate_limit', limit: 1, windowMs: 2_000 }, q: { kind: 'quota' } } });
    expect((await get(`${fake.url}/x`, 'rl')).status).toBe(200);
    clock.advance(500);
    const limited = await get(`${fake.url}/x`, 'rl');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    const quota = await get(`${fake.url}/x`, 'q');
    expect(quota.status).toBe(429);
    expect(quota.headers.get('retry-after')).toBeNull();
    expect(await quota.json()).toMatchObject({ error: { code: 'quota_exceeded' } });
  });
});

describe('behaviours, scripts and state', () => {
  it('runs a script per key and repeats its last entry', async () => {
    const fake = await start({ provider: 'http', keys: { j: [{ kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'ok' }] } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(`${fake.url}/x`, 'j')).status);
    expect(statuses).toEqual([500, 503, 200, 200, 200]);
  });

  it('setKey swaps a behaviour at run time; reset() clears requests, windows and script positions', async () => {
    const clock = manualClock();
    const fake = await start({ provider: 'http', clock: clock.now, keys: { k: { kind: 'rate_limit', limit: 1, windowMs: 60_000 }, s: [{ kind: 'status', status: 500 }, { kind: 'ok' }] } });
    await get(`${fake.url}/x`, 'k');
    await get(`${fake.url}/x`, 's');
    expect((await get(`${fake.url}/x`, 'k')).status).toBe(429);
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect((await get(`${fake.url}/x`, 'k')).status).toBe(200);
    expect((await get(`${fake.url}/x`, 's')).status).toBe(500);
    fake.setKey('k', { kind: 'ok' });
    expect((await get(`${fake.url}/x`, 'k')).status).toBe(200);
    fake.setKey('new', { kind: 'status', status: 403 });
    expect((await get(`${fake.url}/x`, 'new')).status).toBe(403);
    expect(fake.countFor('k')).toBe(2);
    expect(fake.requestsFor('s').map((r) => r.status)).toEqual([500]);
    expect(() => fake.setKey('k', { kind: 'nope' } as never)).toThrow(TypeError);
  });

  it('unknownKey turns the fake into an accept-anything server, one script per unknown key', async () => {
    const fake = await start({ provider: 'http', unknownKey: [{ kind: 'status', status: 500 }, { kind: 'ok' }] });
    expect((await get(`${fake.url}/x`, 'a')).status).toBe(500);
    expect((await get(`${fake.url}/x`, 'b')).status).toBe(500);
    expect((await get(`${fake.url}/x`, 'a')).status).toBe(200);
  });

  it('limit 0 always limits; hints select which retry hints a 429 carries; retryAfterMs overrides the value', async () => {
    const fake = await start({
      provider: 'openai',
      hints: 'none',
      keys: {
        none: { kind: 'rate_limit', limit: 0, windowMs: 10_000 },
        ms: { kind: 'rate_limit', limit: 0, windowMs: 10_000, hints: ['retry-after-ms'], retryAfterMs: 1234 },
      },
    });
    const none = (await rejection(new OpenAI({ apiKey: 'none', baseURL: fake.url, maxRetries: 0 }).models.list())) as InstanceType<typeof OpenAI.APIError>;
    expect(none.status).toBe(429);
    expect([...none.headers!.keys()].filter((h) => h.startsWith('retry-after') || h.startsWith('x-ratelimit'))).toEqual([]);
    const ms = await get(`${fake.url}/models`, 'ms');
    expect(ms.headers.get('retry-after-ms')).toBe('1234');
    expect(ms.headers.get('retry-after')).toBeNull();
  });

  it('adds latency before answering, per fake and per behaviour', async () => {
    const fake = await start({ provider: 'http', latencyMs: 60, keys: { slow: { kind: 'ok' }, fast: { kind: 'ok', latencyMs: 0 } } });
    let t = performance.now();
    await get(`${fake.url}/x`, 'slow');
    expect(performance.now() - t).toBeGreaterThanOrEqual(55);
    t = performance.now();
    await get(`${fake.url}/x`, 'fast');
    expect(performance.now() - t).toBeLessThan(55);
  });

  it('close() ends pending latency and stalled sockets at once, is idempotent, and frees the port', async () => {
    const fake = await startFakeProvider({ provider: 'http', keys: { wait: { kind: 'ok', latencyMs: 60_000 }, stall: { kind: 'stall_body' } } });
    const waiting = get(`${fake.url}/x`, 'wait');
    const stalled = await get(`${fake.url}/x`, 'stall');
    expect(stalled.status).toBe(200);
    const body = stalled.text();
    await expect.poll(() => fake.requests.length).toBe(2);
    const began = performance.now();
    await Promise.all([fake.close(), fake.close()]);
    expect(performance.now() - began).toBeLessThan(500);
    await expect(waiting).rejects.toThrow('fetch failed');
    await expect(body).rejects.toThrow('terminated');
    await expect(get(`${fake.url}/x`, 'wait')).rejects.toThrow('fetch failed');
  });

  it('uses the default reply text and answers provider-style 404s on unknown SDK paths', async () => {
    const anthropic = await start({ provider: 'anthropic', keys: { k: { kind: 'ok' } } });
    const res = await fetch(`${anthropic.url}/v1/nothing`, { headers: { 'x-api-key': 'k' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const gemini = await start({ provider: 'gemini', keys: { k: { kind: 'ok' } } });
    const g = await fetch(`${gemini.url}/v1beta/nothing`, { headers: { 'x-goog-api-key': 'k' } });
    expect(await g.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    expect(DEFAULT_TEXT).toBe('Hello from the fake provider!');
  });
});

describe('providerError', () => {
  it('builds the same answers without a server, ready to feed an SDK error class', () => {
    const r = providerError('openai', { kind: 'rate_limit', retryAfterMs: 1500 });
    const err = new OpenAI.RateLimitError(429, (r.body as { error: object }).error, undefined, new Headers(r.headers));
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.headers.get('retry-after')).toBe('2');
    expect(err.headers.get('retry-after-ms')).toBe('1500');
    expect(providerError('anthropic', { kind: 'quota' }).body).toMatchObject({ error: { details: { error_code: 'enforced_spend_limit_reached' } } });
    expect(JSON.stringify(providerError('gemini', { kind: 'quota' }).body)).toContain('GenerateRequestsPerDayPerProjectPerModel-FreeTier');
    expect(providerError('gemini', { kind: 'invalid_key' }).status).toBe(400);
    expect(providerError('anthropic', { kind: 'stream_error' }).status).toBe(529);
  });
});
