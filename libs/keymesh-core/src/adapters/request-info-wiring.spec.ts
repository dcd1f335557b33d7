/**
 * The SDK adapters hand the pool each request's scope (its model) and token estimate through the
 * request/ readers, and report the usage a non-stream answer carries (real SDKs, fake providers).
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeymesh, poolOf, type KeymeshEvents, type TokenEstimateRequest } from '@keymesh/core';
import { startFakeProvider } from '@keymesh/testing';
import { usageOfAnswer } from './answer-usage.js';

const KEY = 'sk-test-wiring-000000000000';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setUp<C extends object>(provider: 'openai' | 'anthropic' | 'gemini', make: (url: string) => C) {
  const fake = await startFakeProvider({ provider, keys: { [KEY]: { kind: 'ok' } } });
  closers.push(() => fake.close());
  const estimates: TokenEstimateRequest[] = [];
  const client = createKeymesh({
    client: make(fake.url),
    keys: [KEY],
    estimateTokens: (request) => {
      estimates.push(request);
      return request.estimate;
    },
  }) as C;
  const pool = poolOf(client);
  closers.push(() => pool.close());
  const succeeded: Array<KeymeshEvents['request.succeeded']> = [];
  pool.on('request.succeeded', (event) => succeeded.push(event));
  return { client, estimates, succeeded };
}

describe('scope, cost and usage from the SDK adapters', () => {
  it('openai chat completion: scope = model; the estimate is the reader’s; usage from the answer', async () => {
    const { client, estimates, succeeded } = await setUp('openai', (url) => new OpenAI({ apiKey: 'unused', baseURL: url }));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 50 });
    expect(estimates).toHaveLength(1);
    expect(estimates[0]).toMatchObject({ provider: 'openai', path: '/chat/completions', model: 'gpt-4o-mini' });
    expect(estimates[0]!.estimate?.tokens).toBeGreaterThan(50);
    expect(succeeded[0]).toMatchObject({ scope: 'gpt-4o-mini', usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number), totalTokens: expect.any(Number) } });
  });

  it('openai stream: scope set, no usage (it arrives after the attempt)', async () => {
    const { client, succeeded } = await setUp('openai', (url) => new OpenAI({ apiKey: 'unused', baseURL: url }));
    for await (const _ of await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(succeeded[0]).toMatchObject({ scope: 'gpt-4o' });
    expect(succeeded[0]!.usage).toBeUndefined();
  });

  it('anthropic messages: scope = model; input and output estimated apart; usage', async () => {
    const { client, estimates, succeeded } = await setUp('anthropic', (url) => new Anthropic({ apiKey: 'unused', baseURL: url }));
    await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(estimates[0]).toMatchObject({ provider: 'anthropic', model: 'claude-haiku-4-5', estimate: { outputTokens: 64 } });
    expect(succeeded[0]).toMatchObject({ scope: 'claude-haiku-4-5', usage: { outputTokens: expect.any(Number) } });
  });

  it('gemini generateContent: scope = the model in the path; usage from usageMetadata', async () => {
    const { client, estimates, succeeded } = await setUp('gemini', (url) => new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: url } }));
    await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { maxOutputTokens: 32 } });
    expect(estimates[0]).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash' });
    expect(estimates[0]!.estimate?.tokens).toBeGreaterThanOrEqual(32);
    expect(succeeded[0]).toMatchObject({ scope: 'gemini-2.5-flash', usage: { totalTokens: expect.any(Number) } });
  });
});

describe('usageOfAnswer', () => {
  const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

  it('reads the last usage object, nested details included', () => {
    const answer = { choices: [{ message: { content: 'x' } }], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, prompt_tokens_details: { cached_tokens: 0 } } };
    expect(usageOfAnswer('openai', bytes(answer))).toEqual({ inputTokens: 5, outputTokens: 7, totalTokens: 12 });
  });

  it('model text that spells "usage": {…} cannot fake it (it is escaped inside a JSON string)', () => {
    const answer = { choices: [{ message: { content: '"usage": {"prompt_tokens": 999999}' } }] };
    expect(usageOfAnswer('openai', bytes(answer))).toBeUndefined();
  });

  it('no usage, or a body that is not JSON: undefined', () => {
    expect(usageOfAnswer('anthropic', bytes({ id: 'm' }))).toBeUndefined();
    expect(usageOfAnswer('gemini', bytes('"usageMetadata": {broken'))).toBeUndefined();
  });
});
