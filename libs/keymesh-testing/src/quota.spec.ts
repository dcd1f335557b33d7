import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from './index.js';
import { manualClock, rejection, useFakes } from './__tests__/fakes.js';

const start = useFakes();

function openai(fake: FakeProvider, apiKey: string): OpenAI {
  return new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0 });
}

/** A string of exactly `tokens` tokens as the fake counts them (4 characters each). */
const prompt = (tokens: number) => 'x'.repeat(tokens * 4);

/**
 * One user message of exactly `tokens` tokens (at least 4): the keys `role` and `content` and the
 * value `user` count too (15 characters), as in Keymesh's estimate.
 */
const userMessage = (tokens: number) => [{ role: 'user' as const, content: 'x'.repeat(tokens * 4 - 15) }];

function chat(client: OpenAI, model: string, options: { promptTokens?: number; maxTokens?: number } = {}) {
  return client.chat.completions
    .create({ model, messages: userMessage(options.promptTokens ?? 4), ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}) })
    .withResponse();
}

type OpenAIError = InstanceType<typeof OpenAI.RateLimitError>;

describe('quota mode: options', () => {
  it.each<[string, unknown]>([
    ['quota on the http fake', { provider: 'http', quota: { organizations: { o: { keys: ['k'] } }, limits: { '*': {} } } }],
    ['an unknown quota option', { provider: 'openai', quota: { organizations: { o: { keys: ['k'], limits: {} } }, window: 5 } }],
    ['no organisations', { provider: 'openai', quota: { organizations: {} } }],
    ['an organisation without keys', { provider: 'openai', quota: { organizations: { o: { keys: [] } }, limits: {} } }],
    ['a key in two organisations', { provider: 'openai', quota: { organizations: { a: { keys: ['k'] }, b: { keys: ['k'] } }, limits: {} } }],
    ['an organisation without limits', { provider: 'openai', quota: { organizations: { o: { keys: ['k'] } } } }],
    ['a limit the provider does not have', { provider: 'openai', quota: { organizations: { o: { keys: ['k'] } }, limits: { '*': { inputTokensPerMinute: 5 } } } }],
    ['a negative limit', { provider: 'gemini', quota: { organizations: { o: { keys: ['k'] } }, limits: { '*': { requestsPerDay: -1 } } } }],
    ['a zero window', { provider: 'anthropic', quota: { organizations: { o: { keys: ['k'] } }, limits: {}, windowMs: 0 } }],
  ])('rejects %s before listening', async (_, options) => {
    await expect(startFakeProvider(options as FakeProviderOptions)).rejects.toThrow();
  });

  it('names the limits the provider has when one is misspelt', async () => {
    const options = { provider: 'anthropic', quota: { organizations: { o: { keys: ['k'] } }, limits: { '*': { tokensPerMinute: 5 } } } };
    await expect(startFakeProvider(options as FakeProviderOptions)).rejects.toThrow(/requestsPerMinute, inputTokensPerMinute, outputTokensPerMinute/);
  });
});

describe('quota mode: openai, with the real openai SDK', () => {
  it('the README example: two keys of one organisation share its limit for a model', async () => {
    let now = Date.UTC(2026, 0, 1);
    const fake = await start({
      provider: 'openai',
      clock: () => now,
      quota: {
        organizations: { 'org-shared': { keys: ['sk-test-a', 'sk-test-b'] }, 'org-solo': { keys: ['sk-test-c'] } },
        limits: { 'gpt-4o-mini': { requestsPerMinute: 2, tokensPerMinute: 10_000 } },
      },
    });
    const ask = (apiKey: string) =>
      new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    await ask('sk-test-a');
    await ask('sk-test-b');
    const err = await ask('sk-test-a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as OpenAIError).message).toContain('Rate limit reached for gpt-4o-mini in organization org-shared on requests per min (RPM): Limit 2, Used 2, Requested 1.');
    await expect(ask('sk-test-c')).resolves.toBeDefined();
    now += 60_000;
    await expect(ask('sk-test-a')).resolves.toBeDefined();
  });

  it('keys of one organisation share its limits per model; other models and organisations are apart', async () => {
    const clock = manualClock();
    const fake = await start({
      provider: 'openai',
      clock: clock.now,
      quota: {
        organizations: { 'org-shared': { keys: ['sk-test-a', 'sk-test-b'] }, 'org-solo': { keys: ['sk-test-c'] } },
        limits: { 'gpt-4o-mini': { requestsPerMinute: 3, tokensPerMinute: 100_000 }, 'gpt-4o': { requestsPerMinute: 1 } },
      },
    });
    const first = await chat(openai(fake, 'sk-test-a'), 'gpt-4o-mini');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    clock.advance(1_500);
    const second = await chat(openai(fake, 'sk-test-b'), 'gpt-4o-mini');
    // The second key continues the first one's count: one bucket for the organisation.
    expect(second.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(second.response.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(second.response.headers.get('x-ratelimit-reset-requests')).toBe('58.5s');
    await chat(openai(fake, 'sk-test-a'), 'gpt-4o-mini');
    const err = (await rejection(chat(openai(fake, 'sk-test-b'), 'gpt-4o-mini'))) as OpenAIError;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.type).toBe('requests');
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.message).toBe(
      '429 Rate limit reached for gpt-4o-mini in organization org-shared on requests per min (RPM): Limit 3, Used 3, Requested 1. ' +
        'Please try again in 58.5s. Visit https://platform.openai.com/account/rate-limits to learn more.',
    );
    expect(err.headers.get('retry-after-ms')).toBe('58500');
    expect(err.headers.get('retry-after')).toBe('59');
    expect(err.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    // Another model of the same organisation, and the same model in another organisation, still serve.
    await expect(chat(openai(fake, 'sk-test-a'), 'gpt-4o')).resolves.toBeDefined();
    await expect(chat(openai(fake, 'sk-test-c'), 'gpt-4o-mini')).resolves.toBeDefined();
    clock.advance(58_500);
    await expect(chat(openai(fake, 'sk-test-b'), 'gpt-4o-mini')).resolves.toBeDefined();
  });

  it('counts tokens as prompt characters / 4 plus max_tokens, and names the tokens limit in its 429', async () => {
    const clock = manualClock();
    const fake = await start({
      provider: 'openai',
      clock: clock.now,
      quota: { organizations: { 'org-t': { keys: ['sk-test-t'] } }, limits: { '*': { requestsPerMinute: 100, tokensPerMinute: 1_000 } }, windowMs: 10_000 },
    });
    const client = openai(fake, 'sk-test-t');
    const ok = await chat(client, 'gpt-4.1', { promptTokens: 100, maxTokens: 500 });
    expect(ok.response.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    expect(ok.response.headers.get('x-ratelimit-remaining-tokens')).toBe('400');
    expect(ok.response.headers.get('x-ratelimit-reset-tokens')).toBe('10s');
    clock.advance(8_800);
    const err = (await rejection(chat(client, 'gpt-4.1', { promptTokens: 100, maxTokens: 400 }))) as OpenAIError;
    expect(err.type).toBe('tokens');
    expect(err.message).toContain('Rate limit reached for gpt-4.1 in organization org-t on tokens per min (TPM): Limit 1000, Used 600, Requested 500. Please try again in 1.2s.');
    expect(err.headers.get('retry-after-ms')).toBe('1200');
    // The refused request took nothing: one that fits is still served.
    const fits = await chat(client, 'gpt-4.1', { promptTokens: 100, maxTokens: 300 });
    expect(fits.response.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(fits.response.headers.get('x-ratelimit-remaining-requests')).toBe('98');
  });

  it('answers a request larger than the whole limit "Request too large", with no wait to try', async () => {
    const fake = await start({ provider: 'openai', quota: { organizations: { 'org-x': { keys: ['sk-test-x'] } }, limits: { '*': { tokensPerMinute: 1_000 } } } });
    const err = (await rejection(chat(openai(fake, 'sk-test-x'), 'gpt-4o', { maxTokens: 5_000 }))) as OpenAIError;
    expect(err.status).toBe(429);
    expect(err.message).toContain('Request too large for gpt-4o in organization org-x on tokens per min (TPM): Limit 1000, Requested 5004.');
    expect(err.headers.get('retry-after')).toBeNull();
    expect(err.headers.get('retry-after-ms')).toBeNull();
  });

  it("windows follow each other without gaps, each organisation's shifted by its share of a window", async () => {
    const clock = manualClock();
    const fake = await start({
      provider: 'openai',
      clock: clock.now,
      quota: { organizations: { a: { keys: ['sk-test-a'] }, b: { keys: ['sk-test-b'] } }, limits: { '*': { requestsPerMinute: 1 } }, windowMs: 1_000 },
    });
    clock.advance(2_300);
    const a = await chat(openai(fake, 'sk-test-a'), 'gpt-4o');
    const b = await chat(openai(fake, 'sk-test-b'), 'gpt-4o');
    expect(a.response.headers.get('x-ratelimit-reset-requests')).toBe('700ms');
    expect(b.response.headers.get('x-ratelimit-reset-requests')).toBe('200ms');
    clock.advance(200);
    await expect(chat(openai(fake, 'sk-test-b'), 'gpt-4o')).resolves.toBeDefined();
    const err = (await rejection(chat(openai(fake, 'sk-test-a'), 'gpt-4o'))) as OpenAIError;
    expect(err.headers.get('retry-after-ms')).toBe('500');
  });

  it('sends no rate-limit headers for a model without limits, and counts the default output for requests without max_tokens', async () => {
    const fake = await start({
      provider: 'openai',
      quota: { organizations: { o: { keys: ['sk-test-o'] } }, limits: { 'gpt-4o': { tokensPerMinute: 10_000 } }, defaultMaxOutputTokens: 4_000 },
    });
    const free = await chat(openai(fake, 'sk-test-o'), 'o4-mini');
    expect(free.response.headers.get('x-ratelimit-limit-requests')).toBeNull();
    expect(free.response.headers.get('x-request-id')).toMatch(/^req_/);
    const limited = await chat(openai(fake, 'sk-test-o'), 'gpt-4o', { promptTokens: 10 });
    expect(limited.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(10_000 - 4_010));
    expect(limited.response.headers.get('x-ratelimit-limit-requests')).toBeNull();
  });

  it('counts streams, responses and embeddings; lists and key faults draw nothing', async () => {
    const fake = await start({
      provider: 'openai',
      keys: { 'sk-test-sick': { kind: 'status', status: 500 } },
      quota: { organizations: { o: { keys: ['sk-test-s', 'sk-test-sick'] } }, limits: { '*': { requestsPerMinute: 10 } } },
    });
    const client = openai(fake, 'sk-test-s');
    await rejection(openai(fake, 'sk-test-sick').chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
    await client.models.list();
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const _ of stream) void _;
    await client.responses.create({ model: 'gpt-4o', input: 'hi', max_output_tokens: 16 });
    const { response } = await client.embeddings.create({ model: 'gpt-4o', input: 'hi' }).withResponse();
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('7');
    expect(fake.requests.map((r) => r.status)).toEqual([500, 200, 200, 200, 200]);
  });

  it('puts the limit headers on streams too; hints "none" leaves the wait out of a 429; a rate_limit behaviour keeps its own window', async () => {
    const fake = await start({
      provider: 'openai',
      hints: 'none',
      keys: { 'sk-test-own-window': { kind: 'rate_limit', limit: 5, windowMs: 60_000 } },
      quota: { organizations: { o: { keys: ['sk-test-s', 'sk-test-own-window'] } }, limits: { '*': { requestsPerMinute: 1 } } },
    });
    const client = openai(fake, 'sk-test-s');
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o', messages: userMessage(4), stream: true }).withResponse();
    for await (const _ of stream) void _;
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const err = (await rejection(chat(client, 'gpt-4o'))) as OpenAIError;
    expect(err.status).toBe(429);
    expect(err.headers.get('retry-after')).toBeNull();
    expect(err.headers.get('retry-after-ms')).toBeNull();
    expect(err.headers.get('x-ratelimit-remaining-requests')).toBeNull();
    const own = await chat(openai(fake, 'sk-test-own-window'), 'gpt-4o');
    expect(own.response.headers.get('x-ratelimit-limit-requests')).toBe('5');
  });

  it('a sick key of an organisation answers its fault while the organisation keeps its limits', async () => {
    const fake = await start({
      provider: 'openai',
      keys: { 'sk-test-sick': { kind: 'status', status: 503 } },
      quota: { organizations: { a: { keys: ['sk-test-sick'] }, b: { keys: ['sk-test-fine'] } }, limits: { '*': { requestsPerMinute: 5 } } },
    });
    const err = await rejection(chat(openai(fake, 'sk-test-sick'), 'gpt-4o'));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as OpenAIError).status).toBe(503);
    const { response } = await chat(openai(fake, 'sk-test-fine'), 'gpt-4o');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('4');
  });

  it('an outage answers every key 503 for its time on the clock, then every key serves again', async () => {
    const clock = manualClock();
    const fake = await start({
      provider: 'openai',
      clock: clock.now,
      quota: { organizations: { a: { keys: ['sk-test-a'] }, b: { keys: ['sk-test-b'] } }, limits: { '*': { requestsPerMinute: 5 } } },
    });
    fake.outage({ forMs: 3_000 });
    for (const key of ['sk-test-a', 'sk-test-b', 'sk-test-unknown']) {
      const err = (await rejection(chat(openai(fake, key), 'gpt-4o'))) as OpenAIError;
      expect(err.status).toBe(503);
      expect(err.error).toMatchObject({ type: 'server_error' });
    }
    clock.advance(3_000);
    const { response } = await chat(openai(fake, 'sk-test-a'), 'gpt-4o');
    // The outage drew nothing from the quota.
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('4');
    expect(() => fake.outage({ forMs: 1_000, status: 429 })).toThrow(RangeError);
  });

  it('reset() forgets quota windows and outages', async () => {
    const fake = await start({ provider: 'openai', quota: { organizations: { a: { keys: ['sk-test-a'] } }, limits: { '*': { requestsPerMinute: 1 } } } });
    await chat(openai(fake, 'sk-test-a'), 'gpt-4o');
    fake.outage({ forMs: 60_000 });
    fake.reset();
    const { response } = await chat(openai(fake, 'sk-test-a'), 'gpt-4o');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });
});

describe('quota mode: anthropic, with the real @anthropic-ai/sdk', () => {
  function messages(fake: FakeProvider, apiKey: string, promptTokens: number, maxTokens: number) {
    return new Anthropic({ apiKey, baseURL: fake.url, maxRetries: 0 }).messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: maxTokens, system: prompt(promptTokens / 2), messages: userMessage(promptTokens / 2) })
      .withResponse();
  }

  it('reports requests, input and output tokens (and the tightest as tokens) with RFC 3339 resets; 429 rate_limit_error with retry-after', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const fake = await start({
      provider: 'anthropic',
      clock: clock.now,
      quota: {
        organizations: { 'org-ws': { keys: ['sk-ant-test-a'] } },
        limits: { 'claude-sonnet-4-5': { requestsPerMinute: 50, inputTokensPerMinute: 1_000, outputTokensPerMinute: 400 } },
      },
    });
    const { response } = await messages(fake, 'sk-ant-test-a', 200, 300);
    const h = (name: string) => response.headers.get(`anthropic-ratelimit-${name}`);
    expect([h('requests-limit'), h('requests-remaining'), h('requests-reset')]).toEqual(['50', '49', '2026-01-01T00:01:00.000Z']);
    expect([h('input-tokens-limit'), h('input-tokens-remaining')]).toEqual(['1000', '800']);
    expect([h('output-tokens-limit'), h('output-tokens-remaining')]).toEqual(['400', '100']);
    expect([h('tokens-limit'), h('tokens-remaining'), h('tokens-reset')]).toEqual(['400', '100', '2026-01-01T00:01:00.000Z']);
    clock.advance(20_000);
    const err = await rejection(messages(fake, 'sk-ant-test-a', 200, 300));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const e = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(e.headers.get('retry-after')).toBe('40');
    expect(e.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe('100');
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect((e.error as { error: { message: string } }).error.message).toContain('rate limit for your organization (org-ws) of 400 output tokens per minute');
  });
});

describe('quota mode: gemini, with the real @google/genai SDK', () => {
  /** genai's ApiError carries the body as JSON text in `message` and no headers: read both through `fetch`. */
  function client(fake: FakeProvider, apiKey: string, seen: Headers[]): GoogleGenAI {
    const fetcher = async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      seen.push(res.headers);
      return res;
    };
    return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: fake.url, fetch: fetcher } as never });
  }

  it('sends no rate-limit headers; a 429 names every exceeded quota (per minute and per day) with RetryInfo', async () => {
    const clock = manualClock();
    const fake = await start({
      provider: 'gemini',
      clock: clock.now,
      quota: {
        organizations: { 'project-1': { keys: ['AIza-test-1', 'AIza-test-2'] } },
        limits: { 'gemini-2.5-flash': { requestsPerMinute: 2, tokensPerMinute: 1_000_000, requestsPerDay: 2 } },
      },
    });
    const seen: Headers[] = [];
    const ask = (key: string) => client(fake, key, seen).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { maxOutputTokens: 64 } });
    await ask('AIza-test-1');
    await ask('AIza-test-2');
    expect([...seen[0].keys()].filter((name) => name.includes('ratelimit'))).toEqual([]);
    clock.advance(25_000);
    const err = await rejection(ask('AIza-test-1'));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
    const { error } = JSON.parse((err as Error).message) as { error: { status: string; message: string; details: Array<Record<string, unknown>> } };
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    const failure = error.details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure') as { violations: Array<Record<string, unknown>> };
    expect(failure.violations).toEqual([
      {
        quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
        quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
        quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' },
        quotaValue: '2',
      },
      expect.objectContaining({ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', quotaValue: '2' }),
    ]);
    // The binding limit is the daily one: RetryInfo points at the end of the day window.
    expect(error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${86_400 - 25}s` });
    expect(seen.at(-1)?.get('retry-after')).toBeNull();
    clock.advance(35_000);
    const perDay = await rejection(ask('AIza-test-2'));
    const again = JSON.parse((perDay as Error).message) as { error: { details: Array<{ violations?: Array<{ quotaId: string }> }> } };
    expect(again.error.details[0].violations?.map((v) => v.quotaId)).toEqual(['GenerateRequestsPerDayPerProjectPerModel-FreeTier']);
  });

  it('counts input tokens only against its token quota, from the path model', async () => {
    const fake = await start({
      provider: 'gemini',
      quota: { organizations: { p: { keys: ['AIza-test-t'] } }, limits: { '*': { tokensPerMinute: 100 } } },
    });
    const ai = client(fake, 'AIza-test-t', []);
    await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: prompt(60), config: { maxOutputTokens: 5_000 } });
    const err = await rejection(ai.models.generateContent({ model: 'gemini-2.0-flash', contents: prompt(60) }));
    const { error } = JSON.parse((err as Error).message) as { error: { message: string; details: Array<{ violations?: Array<{ quotaId: string; quotaDimensions: object }> }> } };
    expect(error.details[0].violations?.[0]).toMatchObject({ quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier', quotaDimensions: { model: 'gemini-2.0-flash' } });
    expect(error.message).toContain('* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, limit: 100, model: gemini-2.0-flash');
  });
});
