import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../src/upstream/models.js';
import { PROVIDERS } from '../src/upstream/upstream.js';
import { ROTATING_SCRIPT, USER_HI, fakeKey } from './helpers/scripts.js';
import { SseClient, eventually } from './helpers/sse-client.js';
import { TEST_POOL, TEST_TEXT, bootTestDemo, type TestDemo } from './helpers/test-demo.js';
import { sampleOf } from './helpers/prometheus-text.js';

const metricLine = (text: string, sample: string) => text.split('\n').find((line) => line.startsWith(sample + ' '));

describe('POST /chat against the embedded fakes', () => {
  let demo: TestDemo;
  beforeAll(async () => {
    demo = await bootTestDemo(ROTATING_SCRIPT);
  });
  afterAll(() => demo?.close());

  it.each(PROVIDERS)('%s: answers { provider, text, model }, served by the good key after the bad one is passed over', async (provider) => {
    const res = await request(demo.server).post('/chat').send({ provider, messages: USER_HI }).expect(200).expect('content-type', /json/);
    expect(res.body).toEqual({ provider, text: TEST_TEXT, model: expect.stringContaining(DEFAULT_MODELS[provider]) });
  });

  it.each(PROVIDERS)('%s: streams server-sent events, data {"text"} per chunk, then an end event', async (provider) => {
    const sse = new SseClient(demo.origin, '/chat', { method: 'POST', body: { provider, stream: true, messages: [{ role: 'system', content: 'Be brief.' }, ...USER_HI] } });
    const { status, headers } = await sse.response;
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    const end = await sse.next((m) => m.event === 'end');
    const chunks = sse.messages.filter((m) => m.event === 'message').map((m) => JSON.parse(m.data) as { text: string });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.text).join('').trim()).toBe(TEST_TEXT);
    expect(JSON.parse(end.data)).toEqual({ provider, model: DEFAULT_MODELS[provider] });
    sse.close();
  });

  describe('validation: 400 with every problem listed, and no upstream call', () => {
    const cases: Array<[string, unknown, string[]]> = [
      ['a body that is not an object', [1, 2], ['body must be a JSON object']],
      ['an empty object', {}, ['provider is required', 'messages must be a non-empty array']],
      ['an unknown provider', { provider: 'mistral', messages: USER_HI }, ['provider must be one of openai, anthropic, gemini']],
      ['a misspelt field', { provider: 'openai', messages: USER_HI, strem: true }, ['unknown field "strem"']],
      ['bad messages', { provider: 'openai', messages: [{ role: 'bot', content: '' }, 'hi'] }, ['messages[0].role must be one of system, user, assistant', 'messages[0].content must be a non-empty string', 'messages[1] must be an object']],
      ['only a system message', { provider: 'openai', messages: [{ role: 'system', content: 'x' }] }, ['at least one user message']],
      ['a non-boolean stream', { provider: 'openai', messages: USER_HI, stream: 'yes' }, ['stream must be true or false']],
    ];

    it.each(cases)('%s', async (_name, body, expected) => {
      const before = await totalAttempts(demo);
      const res = await request(demo.server).post('/chat').send(body as object).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, detail: expect.any(String) });
      for (const text of expected) expect(res.body.errors.some((m: string) => m.includes(text)), `${JSON.stringify(res.body.errors)} should mention ${text}`).toBe(true);
      expect(await totalAttempts(demo)).toBe(before);
    });

    it('malformed JSON', async () => {
      const res = await request(demo.server).post('/chat').set('content-type', 'application/json').send('{"provider": ').expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
    });
  });
});

async function totalAttempts(demo: TestDemo): Promise<number> {
  const res = await request(demo.server).get('/health/keys');
  return Object.values(res.body.pools as Record<string, { keys: Array<{ requests: number }> }>).reduce((n, pool) => n + pool.keys.reduce((m, k) => m + k.requests, 0), 0);
}

describe('POST /chat when the providers fail', () => {
  let demo: TestDemo;
  beforeAll(async () => {
    demo = await bootTestDemo({
      // Sidelined for longer than the retry budget: no key can serve, so PoolExhaustedError.
      openai: [fakeKey('openai', 'benched', { kind: 'status', status: 429, headers: { 'retry-after-ms': '120000' } })],
      // Provider trouble on every attempt (the hint keeps the backoff at 1 ms).
      anthropic: [fakeKey('anthropic', 'down', { kind: 'status', status: 500, headers: { 'retry-after-ms': '1' } })],
    });
  });
  afterAll(() => demo?.close());

  it.each([false, true])('no key can serve (stream: %s): 503 from KeymeshExceptionFilter, with Retry-After and a problem body', async (stream) => {
    const res = await request(demo.server).post('/chat').send({ provider: 'openai', stream, messages: USER_HI }).expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(60);
    expect(res.body).toMatchObject({ status: 503, pool: 'openai', title: expect.any(String) });
    expect(JSON.stringify(res.body) + JSON.stringify(res.headers)).not.toContain(demo.secrets[0]);
  });

  it('provider trouble on every attempt: 502 naming the upstream status, no secret', async () => {
    const res = await request(demo.server).post('/chat').send({ provider: 'anthropic', messages: USER_HI }).expect(502);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-failed', status: 502, upstreamStatus: 500 });
    for (const secret of demo.secrets) expect(JSON.stringify(res.body)).not.toContain(secret);
  });

});

describe('POST /chat when a stream breaks mid-answer', () => {
  let demo: TestDemo;
  beforeAll(async () => {
    demo = await bootTestDemo({ openai: [fakeKey('openai', 'breaks', { kind: 'stream_error', afterChunks: 2 })], anthropic: [fakeKey('anthropic', 'breaks', { kind: 'stream_error', afterChunks: 3 })] });
  });
  afterAll(() => demo?.close());

  it.each(['openai', 'anthropic'])('%s: an in-band error event with the problem shape of every other error, not the provider text', async (provider) => {
    const sse = new SseClient(demo.origin, '/chat', { method: 'POST', body: { provider, stream: true, messages: USER_HI } });
    const error = await sse.next((m) => m.event === 'error');
    expect(JSON.parse(error.data)).toEqual({ type: 'https://keymesh.dev/problems/upstream-failed', title: `The ${provider} answer was cut off mid-stream; try again`, status: 502 });
    expect(sse.raw).not.toMatch(/server_error|overloaded/i);
    for (const secret of demo.secrets) expect(sse.raw).not.toContain(secret);
    sse.close();
  });
});

describe('POST /chat when the caller leaves', () => {
  let demo: TestDemo;
  beforeAll(async () => {
    // Each streams a few events (anthropic's first two carry no text), then never finishes:
    // only an abort ends the upstream call.
    const stall = { kind: 'stream_stall', afterChunks: 4 } as const;
    demo = await bootTestDemo({ openai: [fakeKey('openai', 'stall', stall)], anthropic: [fakeKey('anthropic', 'stall', stall)], gemini: [fakeKey('gemini', 'stall', stall)] });
  });
  afterAll(() => demo?.close());

  const metrics = () => request(demo.server).get('/metrics').then((r) => r.text);

  it.each(PROVIDERS)('%s: a client that disconnects mid-stream aborts the upstream call', async (provider) => {
    const sse = new SseClient(demo.origin, '/chat', { method: 'POST', body: { provider, stream: true, messages: USER_HI } });
    await sse.next((m) => m.event === 'message');
    sse.close();
    // The fake never ends this stream: only the abort signal reaching the SDK ends the loop.
    await eventually(metrics, (text) => metricLine(text, `demo_chat_requests_total{provider="${provider}",mode="stream",outcome="aborted"}`) !== undefined);
  });

  it.each(PROVIDERS)('%s: a client that disconnects while waiting for a JSON answer aborts the pool request', async (provider) => {
    const req = httpRequest(new URL('/chat', demo.origin), { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ provider, messages: USER_HI }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    req.destroy();
    const text = await eventually(metrics, (t) => sampleOf(t, 'gen_ai_client_operation_duration_count', { keymesh_pool_name: provider, error_type: 'aborted' }) !== undefined);
    expect(metricLine(text, `demo_chat_requests_total{provider="${provider}",mode="json",outcome="aborted"}`)).toBeDefined();
  });
});

describe('POST /chat when every attempt is rate limited', () => {
  let demo: TestDemo;
  beforeAll(async () => {
    // A breaker that never opens and 1 ms hints: the pool spends its five attempts on 429s.
    demo = await bootTestDemo({ openai: [fakeKey('openai', 'hot', { kind: 'status', status: 429, headers: { 'retry-after-ms': '1' } })] }, { ...TEST_POOL, breaker: { failureThreshold: 100 } });
  });
  afterAll(() => demo?.close());

  it('the provider 429 reaches the caller as 503 with Retry-After, the answer PoolExhaustedError gets too', async () => {
    const res = await request(demo.server).post('/chat').send({ provider: 'openai', messages: USER_HI }).expect(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-rate-limited', status: 503, upstreamStatus: 429 });
  });

  it('a provider this run does not configure is a 400 that says how to configure it', async () => {
    const res = await request(demo.server).post('/chat').send({ provider: 'gemini', messages: USER_HI }).expect(400);
    expect(res.body.errors).toEqual(['provider "gemini" is not configured in this run (set GEMINI_API_KEYS); configured: openai']);
  });
});
