import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT, type FakeProvider } from './index.js';
import { manualClock, rejection, useFakes } from './__tests__/fakes.js';

const start = useFakes();
const MESSAGES = [{ role: 'user' as const, content: 'hi' }];

function client(fake: FakeProvider, apiKey: string, options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI {
  return new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0, ...options });
}

function chat(openai: OpenAI) {
  return openai.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
}

describe('openai fake with the real openai SDK', () => {
  it('answers a chat completion with rate-limit headers, and records it without the credential', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-good': { kind: 'ok' } } });
    const { data, response } = await chat(client(fake, 'sk-good')).withResponse();
    expect(data.choices[0].message.content).toBe(DEFAULT_TEXT);
    expect(data.object).toBe('chat.completion');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9999');
    expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?[\d.]+s$/);
    expect(fake.countFor('sk-good')).toBe(1);
    const [recorded] = fake.requests;
    expect(recorded).toMatchObject({ key: 'sk-good', keyCount: 1, method: 'POST', path: '/v1/chat/completions', stream: false, retryCount: 0, status: 200 });
    expect(recorded.body).toMatchObject({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(recorded.headers['authorization']).toBeUndefined();
    expect(JSON.stringify(fake.requests)).not.toContain('Bearer');
  });

  it('streams chat completion chunks that join to the reply text', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-good': { kind: 'ok', text: 'one two three' } } });
    const stream = await client(fake, 'sk-good').chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('one two three');
    expect(fake.requests[0].stream).toBe(true);
    const final = await client(fake, 'sk-good').chat.completions.stream({ model: 'gpt-4o', messages: MESSAGES }).finalChatCompletion();
    expect(final.choices[0].message.content).toBe('one two three');
  });

  it('rate limits after `limit` requests with exact hints until the window passes', async () => {
    const clock = manualClock();
    const fake = await start({ provider: 'openai', clock: clock.now, keys: { 'sk-b': { kind: 'rate_limit', limit: 2, windowMs: 60_000 } } });
    const openai = client(fake, 'sk-b');
    const first = await chat(openai).withResponse();
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    await chat(openai);
    clock.advance(10_500);
    const err = await rejection(chat(openai));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.code).toBe('rate_limit_exceeded');
    expect(e.type).toBe('requests');
    expect(e.headers.get('retry-after')).toBe('50');
    expect(e.headers.get('retry-after-ms')).toBe('49500');
    expect(e.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(e.headers.get('x-ratelimit-reset-requests')).toBe('49.5s');
    clock.advance(49_499);
    await expect(chat(openai)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    clock.advance(1);
    await expect(chat(openai)).resolves.toBeDefined();
    expect(fake.requests.map((r) => r.status)).toEqual([200, 200, 429, 429, 200]);
  });

  it('reports insufficient_quota without a retry hint', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-d': { kind: 'quota' } } });
    const err = (await rejection(chat(client(fake, 'sk-d')))) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('insufficient_quota');
    expect(err.type).toBe('insufficient_quota');
    expect(err.headers.get('retry-after')).toBeNull();
  });

  it.each([
    [400, OpenAI.BadRequestError],
    [401, OpenAI.AuthenticationError],
    [403, OpenAI.PermissionDeniedError],
    [404, OpenAI.NotFoundError],
    [422, OpenAI.UnprocessableEntityError],
    [500, OpenAI.InternalServerError],
    [503, OpenAI.InternalServerError],
    [529, OpenAI.InternalServerError],
  ])('maps status %i to the SDK error class', async (status, ErrorClass) => {
    const fake = await start({ provider: 'openai', keys: { 'sk-c': { kind: 'status', status } } });
    const err = (await rejection(chat(client(fake, 'sk-c')))) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err.status).toBe(status);
    expect(err.requestID).toMatch(/^req_/);
  });

  it('answers an unknown key with 401 invalid_api_key, and a missing key with 401', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-good': { kind: 'ok' } } });
    const err = (await rejection(chat(client(fake, 'sk-unknown-key-123456')))) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
    expect(err.message).not.toContain('sk-unknown-key-123456');
    const missing = await fetch(`${fake.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(fake.requests.at(-1)).toMatchObject({ key: undefined, keyCount: 0, behaviour: undefined });
  });

  it('reset surfaces as APIConnectionError', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-e': { kind: 'reset' } } });
    const err = await rejection(chat(client(fake, 'sk-e')));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(err).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect((err as { cause?: { cause?: { code?: string } } }).cause?.cause?.code).toBe('ECONNRESET');
    expect(fake.requests[0].status).toBeUndefined();
  });

  it('stream_drop delivers N chunks, then the iteration throws TypeError: terminated', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-g': { kind: 'stream_drop', afterChunks: 2 } } });
    const stream = await client(fake, 'sk-g').chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    const chunks: unknown[] = [];
    const err = await rejection((async () => { for await (const c of stream) chunks.push(c); })());
    expect(chunks).toHaveLength(2);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('terminated');
  });

  it('stream_error raises the in-stream APIError (no status) after N chunks', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-i': { kind: 'stream_error', afterChunks: 1 } } });
    const stream = await client(fake, 'sk-i').chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    const chunks: unknown[] = [];
    const err = (await rejection((async () => { for await (const c of stream) chunks.push(c); })())) as InstanceType<typeof OpenAI.APIError>;
    expect(chunks).toHaveLength(1);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBeUndefined();
    expect(err.type).toBe('server_error');
  });

  it('stall_body trips the SDK timeout, and close() returns promptly with the stalled socket open', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-f': { kind: 'stall_body' }, 'sk-h': { kind: 'stream_stall', afterChunks: 2 } } });
    const err = await rejection(chat(client(fake, 'sk-f', { timeout: 300 })));
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);

    const stream = await client(fake, 'sk-h').chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true });
    const chunks: unknown[] = [];
    const iteration = (async () => { for await (const c of stream) chunks.push(c); })();
    await expect.poll(() => chunks.length).toBe(2);
    const began = performance.now();
    await fake.close();
    expect(performance.now() - began).toBeLessThan(500);
    await expect(iteration).rejects.toThrow('terminated');
  });

  it('pages /v1/models with a CursorPage, while models.list() reads the single full page', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-a': { kind: 'ok' } } });
    const openai = client(fake, 'sk-a');
    const ids: string[] = [];
    type Model = OpenAI.Models.Model;
    for await (const m of openai.getAPIList<Model, OpenAI.CursorPage<Model>>('/models', OpenAI.CursorPage, { query: { limit: 2 } })) ids.push(m.id);
    expect(ids).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini']);
    expect(fake.requests.map((r) => r.query)).toEqual([{ limit: '2' }, { limit: '2', after: 'gpt-4o-mini' }, { limit: '2', after: 'gpt-4.1-mini' }]);
    fake.reset();
    const all: string[] = [];
    for await (const m of openai.models.list()) all.push(m.id);
    expect(all).toEqual(ids);
    expect(fake.requests).toHaveLength(1);
  });

  it('records x-stainless-retry-count across SDK retries (a script: 500 then ok)', async () => {
    const fake = await start({
      provider: 'openai',
      keys: { 'sk-j': [{ kind: 'status', status: 500, headers: { 'retry-after-ms': '1' } }, { kind: 'ok' }] },
    });
    const completion = await chat(client(fake, 'sk-j', { maxRetries: 1 }));
    expect(completion.choices[0].message.content).toBe(DEFAULT_TEXT);
    expect(fake.requests.map((r) => [r.retryCount, r.status, r.behaviour])).toEqual([[0, 500, 'status'], [1, 200, 'ok']]);
  });

  it('serves the responses API (non-stream and stream) and embeddings in both encodings', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-a': { kind: 'ok' } } });
    const openai = client(fake, 'sk-a');
    const response = await openai.responses.create({ model: 'gpt-4.1', input: 'hi' });
    expect(response.output_text).toBe(DEFAULT_TEXT);
    const events = await openai.responses.create({ model: 'gpt-4.1', input: 'hi', stream: true });
    let text = '';
    for await (const event of events) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe(DEFAULT_TEXT);
    const b64 = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    const floats = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float' });
    expect(b64.data).toHaveLength(2);
    expect(b64.data[0].embedding).toHaveLength(8);
    b64.data[0].embedding.forEach((v, i) => expect(v).toBeCloseTo(floats.data[0].embedding[i], 5));
  });

  it('answers unknown paths with an openai-style 404', async () => {
    const fake = await start({ provider: 'openai', keys: { 'sk-a': { kind: 'ok' } } });
    const err = (await rejection(client(fake, 'sk-a').post('/nope', { body: {} }))) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.message).toContain('Invalid URL (POST /v1/nope)');
  });
});
