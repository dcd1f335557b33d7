import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT, type FakeProvider } from './index.js';
import { manualClock, rejection, useFakes } from './__tests__/fakes.js';

const start = useFakes();
const PARAMS = { model: 'claude-haiku-4-5-20251001', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

function client(fake: FakeProvider, apiKey: string, options: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}): Anthropic {
  return new Anthropic({ apiKey, baseURL: fake.url, maxRetries: 0, ...options });
}

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

describe('anthropic fake with the real @anthropic-ai/sdk', () => {
  it('answers a message with anthropic-ratelimit headers; the SDK sends the key as a Bearer token', async () => {
    const clock = manualClock();
    const fake = await start({ provider: 'anthropic', clock: clock.now, keys: { 'sk-ant-a': { kind: 'ok' } } });
    const { data, response } = await client(fake, 'sk-ant-a').messages.create(PARAMS).withResponse();
    expect(textOf(data)).toBe(DEFAULT_TEXT);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('9999');
    expect(response.headers.get('anthropic-ratelimit-requests-reset')).toBe(new Date(clock.now() + 60_000).toISOString());
    expect(fake.requests[0]).toMatchObject({ key: 'sk-ant-a', keyCount: 1, path: '/v1/messages', retryCount: 0 });
    expect(fake.requests[0].headers['authorization']).toBeUndefined();
    expect(fake.requests[0].headers['x-api-key']).toBeUndefined();
  });

  it('counts two credentials when a client adds X-Api-Key next to the Bearer token', async () => {
    const fake = await start({ provider: 'anthropic', keys: { 'sk-ant-a': { kind: 'ok' } } });
    await client(fake, 'sk-ant-a', { defaultHeaders: { 'X-Api-Key': 'sk-ant-a' } }).messages.create(PARAMS);
    expect(fake.requests[0]).toMatchObject({ key: 'sk-ant-a', keyCount: 2 });
    expect(Object.keys(fake.requests[0].headers)).not.toContain('x-api-key');
  });

  it('streams the full event sequence; messages.stream() assembles the text', async () => {
    const fake = await start({ provider: 'anthropic', keys: { 'sk-ant-a': { kind: 'ok' } } });
    const raw = await client(fake, 'sk-ant-a').messages.create({ ...PARAMS, stream: true });
    const types: string[] = [];
    for await (const event of raw) types.push(event.type);
    expect(types[0]).toBe('message_start');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const final = await client(fake, 'sk-ant-a').messages.stream(PARAMS).finalMessage();
    expect(textOf(final)).toBe(DEFAULT_TEXT);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('rate limits with retry-after and remaining 0 until the window passes', async () => {
    const clock = manualClock();
    const fake = await start({ provider: 'anthropic', clock: clock.now, keys: { 'sk-ant-b': { kind: 'rate_limit', limit: 1, windowMs: 30_000 } } });
    const anthropic = client(fake, 'sk-ant-b');
    await anthropic.messages.create(PARAMS);
    clock.advance(1_200);
    const err = (await rejection(anthropic.messages.create(PARAMS))) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.type).toBe('rate_limit_error');
    expect(err.headers.get('retry-after')).toBe('29');
    expect(err.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(err.headers.get('anthropic-ratelimit-requests-reset')).toBe(new Date(clock.now() + 28_800).toISOString());
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' }, request_id: expect.stringMatching(/^req_/) });
    clock.advance(28_800);
    await expect(anthropic.messages.create(PARAMS)).resolves.toBeDefined();
  });

  it('reports a spend limit as EnforcedSpendLimitReachedError with error details', async () => {
    const fake = await start({ provider: 'anthropic', keys: { 'sk-ant-d': { kind: 'quota' } } });
    const err = (await rejection(client(fake, 'sk-ant-d').messages.create(PARAMS))) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.constructor.name).toBe('EnforcedSpendLimitReachedError');
    expect(err.errorCode).toBe('enforced_spend_limit_reached');
    expect(err.details).toEqual({ error_code: 'enforced_spend_limit_reached' });
    expect(err.headers?.get('retry-after')).toBeNull();
  });

  it.each([
    [400, Anthropic.BadRequestError, 'invalid_request_error'],
    [401, Anthropic.AuthenticationError, 'authentication_error'],
    [403, Anthropic.PermissionDeniedError, 'permission_error'],
    [404, Anthropic.NotFoundError, 'not_found_error'],
    [422, Anthropic.UnprocessableEntityError, 'invalid_request_error'],
    [500, Anthropic.InternalServerError, 'api_error'],
    [503, Anthropic.InternalServerError, 'api_error'],
    [529, Anthropic.InternalServerError, 'overloaded_error'],
  ])('maps status %i to the SDK error class', async (status, ErrorClass, type) => {
    const fake = await start({ provider: 'anthropic', keys: { 'sk-ant-c': { kind: 'status', status } } });
    const err = (await rejection(client(fake, 'sk-ant-c').messages.create(PARAMS))) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err.status).toBe(status);
    expect(err.type).toBe(type);
    if (status === 529) expect(err.constructor.name).toBe('OverloadedError');
  });

  it('answers an unknown key with 401 authentication_error', async () => {
    const fake = await start({ provider: 'anthropic', keys: {} });
    const err = await rejection(client(fake, 'sk-ant-unknown').messages.create(PARAMS));
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('reset is an APIConnectionError; stream_drop throws terminated after N events', async () => {
    const fake = await start({ provider: 'anthropic', keys: { 'sk-e': { kind: 'reset' }, 'sk-g': { kind: 'stream_drop', afterChunks: 2 } } });
    await expect(client(fake, 'sk-e').messages.create(PARAMS)).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
    const stream = await client(fake, 'sk-g').messages.create({ ...PARAMS, stream: true });
    const types: string[] = [];
    const err = await rejection((async () => { for await (const e of stream) types.push(e.type); })());
    expect(types).toEqual(['message_start', 'content_block_start']);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('terminated');
  });

  it('stream_error raises an APIError of type overloaded_error without a status', async () => {
    const fake = await start({ provider: 'anthropic', keys: { 'sk-i': { kind: 'stream_error', afterChunks: 3 } } });
    const stream = await client(fake, 'sk-i').messages.create({ ...PARAMS, stream: true });
    const types: string[] = [];
    const err = (await rejection((async () => { for await (const e of stream) types.push(e.type); })())) as InstanceType<typeof Anthropic.APIError>;
    expect(types).toHaveLength(3);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBeUndefined();
    expect(err.type).toBe('overloaded_error');
  });

  it('a non-stream request on a stream_error key gets 529 overloaded', async () => {
    const fake = await start({ provider: 'anthropic', keys: { 'sk-i': { kind: 'stream_error', afterChunks: 1 } } });
    const err = await rejection(client(fake, 'sk-i').messages.create(PARAMS));
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
  });

  it('pages models.list() with has_more / last_id, by limit or by the pageSize option', async () => {
    const fake = await start({ provider: 'anthropic', keys: { 'sk-a': { kind: 'ok' } } });
    const ids: string[] = [];
    for await (const m of client(fake, 'sk-a').models.list({ limit: 2 })) ids.push(m.id);
    expect(ids).toHaveLength(5);
    expect(fake.requests.map((r) => r.query['after_id'])).toEqual([undefined, ids[1], ids[3]]);

    const paged = await start({ provider: 'anthropic', pageSize: 2, keys: { 'sk-a': { kind: 'ok' } } });
    const again: string[] = [];
    for await (const m of client(paged, 'sk-a').models.list()) again.push(m.id);
    expect(again).toEqual(ids);
    expect(paged.requests).toHaveLength(3);
    const back = await client(paged, 'sk-a').models.list({ before_id: ids[4], limit: 2 });
    expect(back.data.map((m) => m.id)).toEqual([ids[2], ids[3]]);
    expect(back.has_more).toBe(true);
  });

  it('records x-stainless-retry-count across SDK retries of a 529', async () => {
    const fake = await start({
      provider: 'anthropic',
      keys: { 'sk-j': [{ kind: 'status', status: 529, headers: { 'retry-after-ms': '1' } }, { kind: 'ok' }] },
    });
    await client(fake, 'sk-j', { maxRetries: 2 }).messages.create(PARAMS);
    expect(fake.requests.map((r) => [r.retryCount, r.status])).toEqual([[0, 529], [1, 200]]);
  });
});
