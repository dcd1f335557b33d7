import { KeyPool, type AttemptContext, type KeyPoolOptions, type PoolKey } from '@keymesh/core';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../keymesh-core/src/__tests__/manual-clock.js';
import { httpError, startOtel, type Otel } from './__tests__/otel-harness.js';
import { instrumentKeymesh, MAX_OPEN_SPANS } from './index.js';

const SECRET_A = 'sk-test-otel-canary-aaaaaaaa';
const SECRET_B = 'sk-test-otel-canary-bbbbbbbb';

let otel: Otel;
const open: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

function setup(options: { keys?: number; maxModels?: number; pool?: Partial<KeyPoolOptions> } = {}) {
  otel = startOtel();
  const keys = [{ id: 'a', secret: SECRET_A }, { id: 'b', secret: SECRET_B }].slice(0, options.keys ?? 2);
  const pool = new KeyPool({ name: 'llm', keys, strategy: 'priority', retry: { baseDelayMs: 1, maxDelayMs: 2 }, ...options.pool });
  const handle = instrumentKeymesh(pool, { meterProvider: otel.meterProvider, tracerProvider: otel.tracerProvider, providerName: 'openai', maxModels: options.maxModels });
  open.push(() => otel.shutdown(), () => pool.close(), () => handle.dispose());
  return { pool, handle };
}

/** Key a answers 429 with a 30 s hint (echoing its secret, as providers do); b answers and reports usage. */
const rateLimitedOnA = (key: PoolKey, ctx: AttemptContext) => {
  if (key.id === 'a') throw httpError(429, { 'retry-after': '30' }, `Rate limit reached for key ${key.secret}`);
  ctx.usage({ inputTokens: 12, outputTokens: 5 });
  return 'served by b';
};

describe('metrics', () => {
  it('a 429 on key a then b: duration, token usage, attempts, rotation, rate limit and its wait, by the conventions', async () => {
    const { pool } = setup();
    await expect(pool.execute(rateLimitedOnA, { scope: 'gpt-4o' })).resolves.toBe('served by b');

    const metrics = await otel.metrics();
    const duration = metrics.get('gen_ai.client.operation.duration')!;
    expect(duration).toMatchObject({ unit: 's', type: 'histogram' });
    expect(duration.points).toEqual([
      expect.objectContaining({
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'keymesh.pool.name': 'llm' },
        count: 1,
      }),
    ]);
    expect(duration.points[0]!.sum).toBeLessThan(5);

    const tokens = metrics.get('gen_ai.client.token.usage')!;
    expect(tokens).toMatchObject({ unit: '{token}', type: 'histogram' });
    expect(tokens.points.map((p) => [p.attributes['gen_ai.token.type'], p.attributes['gen_ai.request.model'], p.sum])).toEqual([
      ['input', 'gpt-4o', 12],
      ['output', 'gpt-4o', 5],
    ]);

    const attempts = metrics.get('keymesh.attempts')!;
    expect(attempts).toMatchObject({ unit: '{attempt}', type: 'sum' });
    expect(attempts.points.map((p) => [p.attributes['keymesh.key.id'], p.attributes['keymesh.attempt.outcome'], p.value])).toEqual([
      ['a', 'rate_limited', 1],
      ['b', 'ok', 1],
    ]);
    expect(metrics.get('keymesh.rotations')!.points).toEqual([
      { attributes: { 'keymesh.pool.name': 'llm', 'gen_ai.provider.name': 'openai', 'keymesh.key.from_id': 'a', 'keymesh.rotation.reason': 'rate_limited' }, value: 1 },
    ]);
    expect(metrics.get('keymesh.rate_limits')!.points).toEqual([
      { attributes: { 'keymesh.pool.name': 'llm', 'gen_ai.provider.name': 'openai', 'keymesh.key.id': 'a', 'keymesh.rate_limit.source': 'hint', 'keymesh.limit.scope': 'gpt-4o' }, value: 1 },
    ]);
    expect(metrics.get('keymesh.rate_limit.wait')).toMatchObject({ unit: 's', points: [{ count: 1, sum: 30 }] });
  });

  it('key state gauges come from the snapshot at collection: keys by state, availability, cooldown, in flight', async () => {
    const { pool } = setup();
    await pool.execute(rateLimitedOnA);
    pool.disableKey('b');
    const metrics = await otel.metrics();
    const byState = Object.fromEntries(metrics.get('keymesh.keys')!.points.map((p) => [p.attributes['keymesh.key.state'], p.value]));
    expect(byState).toEqual({ closed: 1, open: 0, half_open: 0, disabled: 1 });
    expect(metrics.get('keymesh.keys.available')!.points.map((p) => p.value)).toEqual([0]);
    const perKey = (name: string) => Object.fromEntries(metrics.get(name)!.points.map((p) => [p.attributes['keymesh.key.id'], p.value]));
    expect(perKey('keymesh.key.available')).toEqual({ a: 0, b: 0 });
    expect(perKey('keymesh.key.in_flight')).toEqual({ a: 0, b: 0 });
    // b is disabled until enabled by hand: no cooldown to report.
    expect(Object.keys(perKey('keymesh.key.cooldown'))).toEqual(['a']);
    expect(perKey('keymesh.key.cooldown').a).toBeGreaterThan(25);
    expect(metrics.get('keymesh.key.cooldown')!.unit).toBe('s');

    pool.enableKey('b');
    const after = await otel.points('keymesh.keys', { 'keymesh.key.state': 'disabled' });
    expect(after.map((p) => p.value)).toEqual([0]);
  });

  it('limits by quota group and scope: availability and the remaining reading per dimension, from the snapshot', async () => {
    const { pool } = setup({ pool: { keys: [{ id: 'a', secret: SECRET_A, group: 'org-1' }, { id: 'b', secret: SECRET_B }] } });
    await pool.execute(
      (key, ctx) => {
        if (key.id === 'a') throw httpError(429, { 'retry-after': '30' });
        ctx.observe({ 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '42', 'x-ratelimit-reset-requests': '10s' });
        return 'ok';
      },
      { scope: 'gpt-4o' },
    );
    const available = await otel.points('keymesh.limit.available');
    expect(available.map((p) => [p.attributes['keymesh.key.group'], p.attributes['keymesh.limit.scope'], p.value])).toEqual(
      expect.arrayContaining([
        ['org-1', 'gpt-4o', 0],
        ['b', 'gpt-4o', 1],
      ]),
    );
    const remaining = await otel.points('keymesh.limit.remaining', { 'keymesh.key.group': 'b', 'keymesh.limit.scope': 'gpt-4o' });
    expect(remaining.map((p) => [p.attributes['keymesh.limit.dimension'], p.value])).toEqual([['requests', 42]]);
  });

  it('a failed request: duration with error.type; exhaustion and the caller fault counted apart', async () => {
    const { pool } = setup({ keys: 1 });
    await expect(pool.execute(() => Promise.reject(httpError(400)), { scope: 'gpt-4o' })).rejects.toMatchObject({ status: 400 });
    await expect(pool.execute(() => Promise.reject(httpError(429, { 'retry-after': '120' })), { scope: 'gpt-4o' })).rejects.toMatchObject({ code: 'ERR_KEYMESH_POOL_EXHAUSTED' });
    const durations = await otel.points('gen_ai.client.operation.duration');
    expect(durations.map((p) => [p.attributes['error.type'], p.count])).toEqual([
      ['caller_fault', 1],
      ['pool_exhausted', 1],
    ]);
    expect((await otel.points('keymesh.pool.exhaustions')).map((p) => [p.attributes['keymesh.exhaustion.reason'], p.value])).toEqual([['no_key', 1]]);
    expect((await otel.points('keymesh.attempts')).map((p) => [p.attributes['keymesh.attempt.outcome'], p.value])).toEqual([
      ['caller_fault', 1],
      ['rate_limited', 1],
    ]);
  });

  it('circuit transitions and disables by key and reason', async () => {
    const clock = new ManualClock();
    const { pool } = setup({ pool: { clock, breaker: { failureThreshold: 1, cooldownMs: 1_000 } } });
    pool.disableKey('b');
    pool.enableKey('b');
    // A 429 without a hint counts against the key: with threshold 1 it opens a's breaker.
    await pool.execute((key) => (key.id === 'a' ? Promise.reject(httpError(429)) : 'b'));
    await clock.advance(1_000);
    await pool.execute((key) => key.id);
    expect((await otel.points('keymesh.key.disables')).map((p) => [p.attributes['keymesh.key.id'], p.attributes['keymesh.disable.reason'], p.value])).toEqual([['b', 'manual', 1]]);
    const transitions = await otel.points('keymesh.circuit.transitions', { 'keymesh.key.id': 'a' });
    expect(transitions.map((p) => [p.attributes['keymesh.circuit.state'], p.value])).toEqual([
      ['open', 1],
      ['half_open', 1],
      ['closed', 1],
    ]);
    expect(transitions[0]!.attributes['keymesh.circuit.reason']).toBe('failures');
    expect((await otel.points('keymesh.rate_limits')).map((p) => p.attributes['keymesh.rate_limit.source'])).toEqual(['default']);
  });

  it('gen_ai.request.model is bounded: the first maxModels scopes, then _OTHER; over-long names are _OTHER; the default scope has none', async () => {
    const { pool } = setup({ maxModels: 2 });
    for (const scope of ['m-1', 'm-2', 'm-3', 'm-4', 'x'.repeat(200), 'm-1']) await pool.execute(() => 'ok', { scope });
    await pool.execute(() => 'ok');
    const models = (await otel.points('gen_ai.client.operation.duration')).map((p) => [p.attributes['gen_ai.request.model'], p.count]);
    expect(models).toEqual([
      ['m-1', 2],
      ['m-2', 1],
      ['_OTHER', 3],
      [undefined, 1],
    ]);
    const names = (await otel.spans()).map((span) => span.name);
    expect(new Set(names)).toEqual(new Set(['chat m-1', 'chat m-2', 'chat _OTHER', 'chat']));
  });
});

describe('traces', () => {
  it('one CLIENT span per request, the 429 on a and the rotation to b as events: the same story as the metrics', async () => {
    const { pool } = setup();
    await pool.execute(rateLimitedOnA, { scope: 'gpt-4o' });
    const [span, ...others] = await otel.spans();
    expect(others).toEqual([]);
    expect(span!.name).toBe('chat gpt-4o');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.instrumentationScope.name).toBe('@keymesh/opentelemetry');
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'keymesh.pool.name': 'llm',
      'keymesh.key.id': 'b',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
    });
    expect(span!.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'keymesh.attempt',
        {
          'keymesh.attempt.number': 1,
          'keymesh.key.id': 'a',
          'keymesh.attempt.outcome': 'rate_limited',
          'http.response.status_code': 429,
          'keymesh.retry.delay_ms': 0,
          'keymesh.rate_limit.wait_ms': 30_000,
        },
      ],
      ['keymesh.key.rotated', { 'keymesh.key.from_id': 'a', 'keymesh.key.id': 'b', 'keymesh.rotation.reason': 'rate_limited' }],
      ['keymesh.attempt', { 'keymesh.attempt.number': 2, 'keymesh.key.id': 'b', 'keymesh.attempt.outcome': 'ok' }],
    ]);
  });

  it('a failed request ends its span with an error status, error.type and the last attempt', async () => {
    const { pool } = setup({ keys: 1 });
    await pool.execute(() => Promise.reject(httpError(400, {}, `bad request for ${SECRET_A}`)), { scope: 'gpt-4o' }).catch(() => undefined);
    const [span] = await otel.spans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'caller_fault' });
    expect(span!.attributes['error.type']).toBe('caller_fault');
    expect(span!.events.map((event) => event.attributes)).toEqual([
      { 'keymesh.attempt.number': 1, 'keymesh.key.id': 'a', 'keymesh.attempt.outcome': 'caller_fault', 'http.response.status_code': 400 },
    ]);
  });

  it('provider trouble: the backoff before the retry is on the attempt event', async () => {
    const { pool } = setup({ keys: 1 });
    let calls = 0;
    await pool.execute(() => (++calls === 1 ? Promise.reject(httpError(503, { 'retry-after-ms': '3' })) : 'ok'));
    const [span] = await otel.spans();
    expect(span!.events[0]!.attributes).toMatchObject({ 'keymesh.attempt.outcome': 'provider_trouble', 'http.response.status_code': 503, 'keymesh.retry.delay_ms': 3 });
    expect(span!.events[1]!.attributes).toMatchObject({ 'keymesh.attempt.number': 2, 'keymesh.attempt.outcome': 'ok' });
  });

  it('the request span is a child of the caller’s active span (async-hooks context manager)', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    open.push(() => {
      context.disable();
      manager.disable();
    });
    const { pool } = setup();
    const tracer = otel.tracerProvider.getTracer('app');
    await tracer.startActiveSpan('POST /chat', async (parent) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await pool.execute(rateLimitedOnA, { scope: 'gpt-4o' });
      parent.end();
    });
    // Outside any span: a root span.
    await pool.execute(() => 'ok', { scope: 'gpt-4o' });
    const spans = await otel.spans();
    const parent = spans.find((span) => span.name === 'POST /chat')!;
    const [child, root] = spans.filter((span) => span.name === 'chat gpt-4o');
    expect(child!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child!.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(root!.parentSpanContext).toBeUndefined();
  });

  it('concurrent requests each get their own attempts (the request number ties events to spans)', async () => {
    const { pool } = setup();
    let n = 0;
    // Every third attempt on a is a 429 with a 1 ms hint: those requests rotate to b, the others stay on a.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        pool.execute(
          async (key, ctx) => {
            await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
            if (key.id === 'a' && ++n % 3 === 0) throw httpError(429, { 'retry-after-ms': '1' });
            ctx.usage({ inputTokens: i });
            return i;
          },
          { scope: `m-${i % 3}` },
        ),
      ),
    );
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const spans = await otel.spans();
    expect(spans).toHaveLength(30);
    for (const span of spans) {
      const attempts = span.events.filter((event) => event.name === 'keymesh.attempt');
      expect(attempts.map((event) => event.attributes!['keymesh.attempt.number'])).toEqual(attempts.map((_, i) => i + 1));
      expect(attempts.at(-1)!.attributes!['keymesh.attempt.outcome']).toBe('ok');
      const i = span.attributes['gen_ai.usage.input_tokens'] as number;
      expect(span.name).toBe(`chat m-${i % 3}`);
    }
    const rotated = spans.filter((span) => span.events.some((event) => event.name === 'keymesh.key.rotated'));
    expect(rotated.length).toBeGreaterThan(0);
    expect((await otel.points('keymesh.rotations')).reduce((sum, p) => sum + p.value, 0)).toBe(rotated.length);
  });
});

describe('no secret anywhere', () => {
  it('no canary secret in any metric attribute, span name, attribute, status or event — even when the upstream error echoes it', async () => {
    const { pool } = setup();
    await pool.execute(rateLimitedOnA, { scope: 'gpt-4o' });
    await pool.execute(() => Promise.reject(httpError(401, {}, `Incorrect API key provided: ${SECRET_B}`))).catch(() => undefined);
    await pool.execute(() => Promise.reject(httpError(400, {}, `echo ${SECRET_A}`))).catch(() => undefined);
    const text = JSON.stringify([...(await otel.metrics()).values()]) + JSON.stringify((await otel.spans()).map((s) => [s.name, s.attributes, s.status, s.events]));
    expect(text).toContain('keymesh.key.id');
    for (const secret of [SECRET_A, SECRET_B, 'canary']) expect(text).not.toContain(secret);
  });
});

/** Counts real timers started from now on that are still pending when the returned function is called. */
function trackTimers(): () => Promise<{ timeouts: number; intervals: number }> {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const pending = new Set<unknown>();
  const timeout = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
    const handle: unknown = realSetTimeout(() => {
      pending.delete(handle);
      callback();
    }, ms);
    pending.add(handle);
    return handle;
  }) as typeof setTimeout);
  const clear = vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((handle: NodeJS.Timeout) => {
    pending.delete(handle);
    realClearTimeout(handle);
  }) as typeof clearTimeout);
  const interval = vi.spyOn(globalThis, 'setInterval');
  return async () => {
    await new Promise((resolve) => realSetTimeout(resolve, 20));
    const result = { timeouts: pending.size, intervals: interval.mock.calls.length };
    for (const spy of [timeout, clear, interval]) spy.mockRestore();
    return result;
  };
}

describe('dispose', () => {
  it('detaches every listener and the gauge callback, ends spans still open, and never starts a timer', async () => {
    // The pool's own timers go to a manual clock, so a real timer still pending at the end would be
    // the instrumentation's (the SDK's in-memory exporter answers through a 0 ms timer, which fires).
    const pendingTimers = trackTimers();
    const { pool, handle } = setup({ pool: { clock: new ManualClock() } });
    await pool.execute(rateLimitedOnA, { scope: 'gpt-4o' });
    let release!: () => void;
    const pending = pool.execute(() => new Promise<string>((resolve) => (release = () => resolve('late'))), { scope: 'gpt-4o' });
    await Promise.resolve();

    handle.dispose();
    handle.dispose();
    const spans = await otel.spans();
    expect(spans.map((span) => span.name)).toEqual(['chat gpt-4o', 'chat gpt-4o']);
    expect(spans[1]!.ended).toBe(true);

    release();
    await pending;
    await pool.execute(rateLimitedOnA, { scope: 'gpt-4o' }).catch(() => undefined);
    expect(await otel.spans()).toHaveLength(2);
    const metrics = await otel.metrics();
    // Nothing recorded after dispose; the counters and gauges, reported by the removed callback, are gone.
    expect(metrics.get('gen_ai.client.operation.duration')!.points.map((p) => p.count)).toEqual([1]);
    expect(metrics.get('keymesh.rotations')?.points ?? []).toEqual([]);
    expect(metrics.get('keymesh.keys')?.points ?? []).toEqual([]);
    expect(await pendingTimers()).toEqual({ timeouts: 0, intervals: 0 });
  });

  it('requests whose end never comes (a pool closed mid-request drops its listeners) cannot grow the open spans past MAX_OPEN_SPANS', async () => {
    const { pool } = setup();
    const releases: Array<() => void> = [];
    const pending = Array.from({ length: MAX_OPEN_SPANS + 1 }, () => pool.execute(() => new Promise<void>((resolve) => releases.push(resolve))));
    await new Promise((resolve) => setImmediate(resolve));
    // The oldest open span was ended to make room for the newest.
    expect(await otel.spans()).toHaveLength(1);
    for (const release of releases) release();
    await Promise.all(pending);
    expect(await otel.spans()).toHaveLength(MAX_OPEN_SPANS + 1);
  });
});

describe('the core events it relies on', () => {
  it('request.started fires inside execute() before it returns (the caller’s context), and every event of a request carries its number', async () => {
    const pool = new KeyPool({ name: 'events', keys: [{ id: 'a', secret: SECRET_A }, { id: 'b', secret: SECRET_B }], strategy: 'priority' });
    open.push(() => pool.close());
    const seen: Array<[string, number]> = [];
    for (const name of ['request.started', 'request.retried', 'key.rotated', 'request.succeeded', 'request.failed'] as const) {
      pool.on(name, (e) => seen.push([name, e.request]));
    }
    const first = pool.execute(async (key, ctx) => rateLimitedOnA(key, ctx), { scope: 'gpt-4o' });
    expect(seen).toEqual([['request.started', 1]]);
    const second = pool.execute(() => Promise.reject(httpError(400)), { scope: 'gpt-4o' });
    await Promise.allSettled([first, second]);
    expect(seen.filter(([, request]) => request === 1).map(([name]) => name)).toEqual(['request.started', 'request.retried', 'key.rotated', 'request.succeeded']);
    expect(seen.filter(([, request]) => request === 2).map(([name]) => name)).toEqual(['request.started', 'request.failed']);
  });
});
