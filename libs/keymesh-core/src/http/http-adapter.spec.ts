import { createServer, type Server } from 'node:http';
import { inspect } from 'node:util';
import type { AddressInfo } from 'node:net';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '@keymesh/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpStatusError, createKeymesh, httpAdapter, isPoolExhaustedError, poolOf, type HttpAuth, type KeyPoolOptions } from '../index.js';

const A = 'sk-test-http-aaaaaaaaaaaa';
const B = 'sk-test-http-bbbbbbbbbbbb';
const C = 'sk-test-http-cccccccccccc';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function fake(options: Omit<Extract<FakeProviderOptions, { provider: 'http' }>, 'provider'>): Promise<FakeProvider> {
  const provider = await startFakeProvider({ provider: 'http', ...options });
  open.push(provider);
  return provider;
}

function client(provider: FakeProvider, keys: KeyPoolOptions['keys'], options: Partial<KeyPoolOptions> & { auth?: HttpAuth; maxReplayBodyBytes?: number } = {}) {
  const { auth = 'bearer', ...pool } = options;
  const api = createKeymesh({ adapter: httpAdapter({ baseURL: provider.url, auth }), keys, strategy: 'priority', ...pool });
  open.push(poolOf(api));
  return api;
}

describe('httpAdapter against @keymesh/testing', () => {
  it('rotates past a rate-limited key at once; the limited key sees exactly one request and is sidelined by its hint', async () => {
    const provider = await fake({ keys: { [A]: { kind: 'rate_limit', limit: 0, windowMs: 30_000 }, [B]: { kind: 'ok' } } });
    const api = client(provider, [A, B]);
    const started = Date.now();
    const res = await api.fetch('/echo', { method: 'POST', body: JSON.stringify({ q: 1 }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, method: 'POST', body: { q: 1 } });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect([provider.countFor(A), provider.countFor(B)]).toEqual([1, 1]);
    const [a] = poolOf(api).snapshot().keys;
    expect(a).toMatchObject({ available: false, lastErrorKind: 'rate_limited' });
    expect(a!.availableAt! - Date.now()).toBeGreaterThan(25_000);
  });

  it.each<[string, HttpAuth]>([
    ['bearer', 'bearer'],
    ['a header', { header: 'x-api-key' }],
    ['a query parameter', { query: 'key' }],
  ])('sends the key in %s', async (_label, auth) => {
    const provider = await fake({ auth, keys: { [A]: { kind: 'ok' } } });
    const api = client(provider, [A], { auth });
    expect((await api.fetch('v1/things?x=1')).status).toBe(200);
    expect(provider.countFor(A)).toBe(1);
    expect(JSON.stringify(provider.requests[0]!.headers)).not.toContain(A);
  });

  it('disables a rejected key and moves on; the HttpStatusError never shows a query-string key', async () => {
    const provider = await fake({ auth: { query: 'key' }, keys: { [A]: { kind: 'status', status: 401 }, [B]: { kind: 'status', status: 401 } } });
    const api = client(provider, [A, B], { auth: { query: 'key' } });
    const error = await api.fetch('/x').catch((e: unknown) => e);
    expect(isPoolExhaustedError(error)).toBe(true);
    const cause = (error as { cause: unknown }).cause;
    expect(cause).toBeInstanceOf(HttpStatusError);
    expect(cause).toMatchObject({ status: 401, code: 'ERR_KEYMESH_HTTP_STATUS' });
    expect(`${(cause as HttpStatusError).url} ${(cause as Error).message}`).not.toContain(B);
    expect(poolOf(api).snapshot().keys.map((k) => k.disabledReason)).toEqual(['key_rejected', 'key_rejected']);
  });

  it('retries provider trouble (500, connection reset) with backoff and succeeds', async () => {
    const provider = await fake({ keys: { [A]: [{ kind: 'status', status: 500 }, { kind: 'reset' }, { kind: 'ok' }] } });
    const api = client(provider, [A], { retry: { baseDelayMs: 5, maxDelayMs: 10 } });
    const res = await api.fetch('/work');
    expect(res.status).toBe(200);
    expect(provider.countFor(A)).toBe(3);
    expect(poolOf(api).snapshot().keys[0]).toMatchObject({ state: 'closed', available: true, failures: 2, lastErrorKind: 'provider_trouble' });
  });

  it('returns caller-fault statuses as a Response, once, without touching the key', async () => {
    const provider = await fake({ keys: { [A]: { kind: 'status', status: 404 } } });
    const api = client(provider, [A]);
    const res = await api.fetch('/missing');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { status: 404 } });
    expect(provider.countFor(A)).toBe(1);
    expect(poolOf(api).snapshot().keys[0]).toMatchObject({ failures: 0, available: true });
  });

  it('fails fast with PoolExhaustedError when every key is limited beyond the budget', async () => {
    const provider = await fake({ keys: { [A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [B]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 } } });
    const api = client(provider, [A, B], { retry: { budgetMs: 5_000 } });
    const error = await api.fetch('/x').catch((e: unknown) => e);
    expect(isPoolExhaustedError(error) && error.retryAfterMs).toBeGreaterThan(50_000);
    expect((error as { cause: HttpStatusError }).cause.status).toBe(429);
  });

  it("honours the caller's signal: a stalled body request rejects at once on abort, with no retry", async () => {
    const provider = await fake({ keys: { [A]: { kind: 'stall_body' }, [B]: { kind: 'ok' } } });
    const api = client(provider, [A, B]);
    const controller = new AbortController();
    const pending = api.fetch('/slow?stream=1', { signal: controller.signal }).then((res) => res.text());
    setTimeout(() => controller.abort(new Error('user left')), 50);
    await expect(pending).rejects.toThrow('user left');
    expect([provider.countFor(A), provider.countFor(B)]).toEqual([1, 0]);
  });

  it('streams a server-sent-event body through the pool', async () => {
    const provider = await fake({ keys: { [A]: { kind: 'rate_limit', limit: 0, windowMs: 10_000 }, [B]: { kind: 'ok' } } });
    const api = client(provider, [A, B]);
    const res = await api.fetch('/chat?stream=1');
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toContain('data: ');
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('buffers a stream body once so a retry on another key sends the same bytes', async () => {
    const provider = await fake({ keys: { [A]: { kind: 'status', status: 401 }, [B]: { kind: 'ok' } } });
    const api = client(provider, [A, B]);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"part":'));
        controller.enqueue(new TextEncoder().encode('"two"}'));
        controller.close();
      },
    });
    const res = await api.fetch('/upload', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(await res.json()).toMatchObject({ body: { part: 'two' } });
    expect(provider.requestsFor(A)[0]!.body).toEqual({ part: 'two' });
  });

  it('never sends a key to another host: absolute and escaping paths are refused before any request', async () => {
    const provider = await fake({ keys: { [A]: { kind: 'ok' } } });
    const api = createKeymesh({ adapter: httpAdapter({ baseURL: `${provider.url}/api/v1`, auth: 'bearer' }), keys: [A] });
    open.push(poolOf(api));
    for (const path of ['http://127.0.0.1:1/steal', '//evil.example/x', '/\\evil.example', '../../admin', 'x/../../../v2']) {
      await expect(api.fetch(path)).rejects.toMatchObject({ code: 'ERR_KEYMESH_UNSAFE_URL' });
    }
    expect(provider.requests).toHaveLength(0);
  });

  it('does not follow a redirect to another origin', async () => {
    let stolen = 0;
    const thief = await listen(createServer((_req, res) => (stolen++, res.end('gotcha'))));
    const redirector = await listen(
      createServer((_req, res) => {
        res.writeHead(302, { location: `http://127.0.0.1:${(thief.address() as AddressInfo).port}/` });
        res.end();
      }),
    );
    const api = createKeymesh({ adapter: httpAdapter({ baseURL: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`, auth: { header: 'x-api-key' } }), keys: [A] });
    const res = await api.fetch('/go');
    expect(res.status).toBe(302);
    expect(stolen).toBe(0);
  });

  it('serves 60 concurrent requests while two of three keys run out of their window', async () => {
    const provider = await fake({
      keys: { [A]: { kind: 'rate_limit', limit: 5, windowMs: 60_000 }, [B]: { kind: 'rate_limit', limit: 5, windowMs: 60_000 }, [C]: { kind: 'ok', latencyMs: 5 } },
    });
    const api = client(provider, [A, B, C], { strategy: 'least-used' });
    const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => api.fetch(`/n/${i}`).then((res) => res.status)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    const served = provider.requests.filter((r) => r.status === 200).length;
    expect(served).toBe(60);
    const snapshot = poolOf(api).snapshot();
    expect(snapshot.keys.map((k) => k.available)).toEqual([false, false, true]);
    expect(snapshot.keys.every((k) => k.inFlight === 0)).toBe(true);
  });

  it('feeds the rate-limit headers of successful responses into the snapshot', async () => {
    const provider = await fake({ keys: { [A]: { kind: 'rate_limit', limit: 4, windowMs: 60_000 } } });
    const api = client(provider, [A]);
    await api.fetch('/one');
    expect(poolOf(api).snapshot().keys[0]!.headroom).toBeCloseTo(0.75, 2);
  });
});

function listen(server: Server): Promise<Server> {
  open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('httpAdapter: issue 12 (kept text, one-shot bodies)', () => {
  it('an error body echoing the key is kept with the key masked: util.inspect cannot print it', async () => {
    const echo = (secret: string) => ({ kind: 'status' as const, status: 503, body: { error: `bad gateway for key ${secret}` } });
    const provider = await fake({ keys: { [A]: echo(A) } });
    const api = client(provider, [A], { retry: { maxAttempts: 1 } });
    const error = await api.fetch('/x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).body).toContain('bad gateway for key sk-…aaaa');
    expect(inspect(error, { depth: 10 })).not.toContain(A);
  });

  it('a stream body beyond maxReplayBodyBytes gets one attempt: the 429 answer is final, the key still sidelined', async () => {
    const provider = await fake({ keys: { [A]: { kind: 'rate_limit', limit: 0, windowMs: 30_000 }, [B]: { kind: 'ok' } } });
    const api = client(provider, [A, B], { maxReplayBodyBytes: 4 });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"part":'));
        controller.enqueue(new TextEncoder().encode('"two"}'));
        controller.close();
      },
    });
    const error = await api.fetch('/upload', { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 429 });
    expect([provider.countFor(A), provider.countFor(B)]).toEqual([1, 0]);
    expect(poolOf(api).snapshot().keys[0]).toMatchObject({ available: false, lastErrorKind: 'rate_limited' });
  });
});
