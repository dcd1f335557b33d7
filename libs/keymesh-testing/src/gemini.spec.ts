import { ApiError, GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT, type FakeProvider } from './index.js';
import { manualClock, rejection, useFakes } from './__tests__/fakes.js';

const start = useFakes();
const MODEL = 'gemini-2.5-flash';

function client(fake: FakeProvider, apiKey: string, apiVersion?: string): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: fake.url, ...(apiVersion ? { apiVersion } : {}) } });
}

function generate(ai: GoogleGenAI) {
  return ai.models.generateContent({ model: MODEL, contents: 'hi' });
}

/** genai puts the whole error body, as JSON, in `message`. */
function bodyOf(err: unknown): { error: { code: number; status: string; details?: Array<Record<string, unknown>> } } {
  return JSON.parse((err as Error).message);
}

describe('gemini fake with the real @google/genai SDK', () => {
  it('answers generateContent on the API version genai uses (v1 in genai 3), and v1beta too', async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-a': { kind: 'ok' } } });
    const response = await generate(client(fake, 'AIza-a'));
    expect(response.text).toBe(DEFAULT_TEXT);
    expect(response.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    const beta = await generate(client(fake, 'AIza-a', 'v1beta'));
    expect(beta.text).toBe(DEFAULT_TEXT);
    expect(fake.requests.map((r) => r.path)).toEqual([`/v1/models/${MODEL}:generateContent`, `/v1beta/models/${MODEL}:generateContent`]);
    expect(fake.requests[0]).toMatchObject({ key: 'AIza-a', keyCount: 1, stream: false, retryCount: undefined });
    expect(fake.requests[0].headers['x-goog-api-key']).toBeUndefined();
  });

  it('streams SSE chunks that join to the reply text', async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-a': { kind: 'ok', text: 'alpha beta gamma' } } });
    const stream = await client(fake, 'AIza-a').models.generateContentStream({ model: MODEL, contents: 'hi' });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.text ?? '');
    expect(pieces).toEqual(['alpha ', 'beta ', 'gamma']);
    expect(fake.requests[0]).toMatchObject({ stream: true, query: { alt: 'sse' } });
  });

  it('rate limits with a per-minute QuotaFailure and RetryInfo equal to the time left in the window', async () => {
    const clock = manualClock();
    const fake = await start({ provider: 'gemini', clock: clock.now, keys: { 'AIza-b': { kind: 'rate_limit', limit: 2, windowMs: 60_000 } } });
    const ai = client(fake, 'AIza-b');
    await generate(ai);
    await generate(ai);
    clock.advance(15_000);
    const err = await rejection(generate(ai));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
    const { error } = bodyOf(err);
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    const quota = error.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure') as { violations: Array<{ quotaId: string }> };
    expect(quota.violations[0].quotaId).toBe('GenerateRequestsPerMinutePerProjectPerModel-FreeTier');
    expect(error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '45s' });
    clock.advance(45_000);
    await expect(generate(ai)).resolves.toBeDefined();
  });

  it('reports daily quota with a PerDay quotaId and no RetryInfo', async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-d': { kind: 'quota' } } });
    const err = await rejection(generate(client(fake, 'AIza-d')));
    expect((err as ApiError).status).toBe(429);
    const { error } = bodyOf(err);
    const quota = error.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure') as { violations: Array<{ quotaId: string }> };
    expect(quota.violations[0].quotaId).toMatch(/PerDay/);
    expect(error.details?.some((d) => String(d['@type']).endsWith('RetryInfo'))).toBe(false);
  });

  it('answers an unknown key with 400 INVALID_ARGUMENT / API_KEY_INVALID', async () => {
    const fake = await start({ provider: 'gemini', keys: {} });
    const err = await rejection(generate(client(fake, 'AIza-unknown')));
    expect((err as ApiError).status).toBe(400);
    const { error } = bodyOf(err);
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.details).toContainEqual(expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }));
  });

  it.each([
    [403, 'PERMISSION_DENIED'],
    [404, 'NOT_FOUND'],
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
  ])('maps status %i to ApiError with status %s', async (status, name) => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-c': { kind: 'status', status } } });
    const err = await rejection(generate(client(fake, 'AIza-c')));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(status);
    expect(bodyOf(err).error).toMatchObject({ code: status, status: name });
  });

  it('reset is TypeError("fetch failed"); stream_drop throws terminated after N chunks', async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-e': { kind: 'reset' }, 'AIza-g': { kind: 'stream_drop', afterChunks: 2 } } });
    const reset = await rejection(generate(client(fake, 'AIza-e')));
    expect(reset).toBeInstanceOf(TypeError);
    expect((reset as Error).message).toBe('fetch failed');
    const stream = await client(fake, 'AIza-g').models.generateContentStream({ model: MODEL, contents: 'hi' });
    const pieces: string[] = [];
    const err = await rejection((async () => { for await (const c of stream) pieces.push(c.text ?? ''); })());
    expect(pieces).toHaveLength(2);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('terminated');
  });

  it('stream_error raises ApiError with the error chunk code after N chunks', async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-i': { kind: 'stream_error', afterChunks: 1 } } });
    const stream = await client(fake, 'AIza-i').models.generateContentStream({ model: MODEL, contents: 'hi' });
    const pieces: string[] = [];
    const err = await rejection((async () => { for await (const c of stream) pieces.push(c.text ?? ''); })());
    expect(pieces).toHaveLength(1);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(503);
  });

  it('stall_body with an httpOptions.timeout aborts; close() ends a stalled stream', async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-f': { kind: 'stall_body' }, 'AIza-h': { kind: 'stream_stall', afterChunks: 1 } } });
    const ai = new GoogleGenAI({ apiKey: 'AIza-f', httpOptions: { baseUrl: fake.url, timeout: 200 } });
    const err = await rejection(generate(ai));
    expect((err as Error).name).toBe('AbortError');
    const stream = await client(fake, 'AIza-h').models.generateContentStream({ model: MODEL, contents: 'hi' });
    const pieces: string[] = [];
    const iteration = (async () => { for await (const c of stream) pieces.push(c.text ?? ''); })();
    await expect.poll(() => pieces.length).toBe(1);
    await fake.close();
    await expect(iteration).rejects.toThrow('terminated');
  });

  it("pages models.list() with pageSize / nextPageToken through genai's Pager", async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-a': { kind: 'ok' } } });
    const names: string[] = [];
    for await (const m of await client(fake, 'AIza-a').models.list({ config: { pageSize: 2 } })) names.push(m.name ?? '');
    expect(names).toEqual(['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash', 'text-embedding-004'].map((m) => `models/${m}`));
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[2].query['pageToken']).toBeDefined();
  });

  it('answers countTokens and embedContent', async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-a': { kind: 'ok' } } });
    const ai = client(fake, 'AIza-a');
    expect((await ai.models.countTokens({ model: MODEL, contents: 'hello there' })).totalTokens).toBeGreaterThan(0);
    const embedded = await ai.models.embedContent({ model: 'text-embedding-004', contents: ['a', 'b'] });
    expect(embedded.embeddings).toHaveLength(2);
    expect(embedded.embeddings?.[0].values).toHaveLength(8);
  });

  it('accepts the key as ?key= and keeps it out of the recorded query', async () => {
    const fake = await start({ provider: 'gemini', keys: { 'AIza-q': { kind: 'ok' } } });
    const res = await fetch(`${fake.url}/v1beta/models/${MODEL}:generateContent?key=AIza-q`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    expect(fake.requests[0]).toMatchObject({ key: 'AIza-q', keyCount: 1, query: {} });
  });
});
