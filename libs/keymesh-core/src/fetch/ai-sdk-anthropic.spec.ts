import { createAnthropic } from '@ai-sdk/anthropic';
import { generateObject, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aiSdkTarget } from './__tests__/ai-sdk.js';
import { A, describeFetchTarget } from './__tests__/fetch-suite.js';

const model = (fetch: typeof globalThis.fetch, baseURL: string, id: string) => createAnthropic({ apiKey: 'unused', baseURL, fetch })(id);

describe('@ai-sdk/anthropic', () => {
  // The AI SDK's Anthropic base URL includes the version; the fake's does not.
  const harness = describeFetchTarget(aiSdkTarget('@ai-sdk/anthropic', 'anthropic', (fake) => `${fake.url}/v1`, model, ['claude-haiku-4-5', 'claude-sonnet-4-5']));

  it('sends one credential: the pooled key as x-api-key', async () => {
    const { fake, fetch, url } = await harness.start({ [A]: { kind: 'ok' } });
    await streamText({ model: model(fetch, url, 'claude-haiku-4-5'), prompt: 'Hi', maxRetries: 0 }).text;
    expect(fake.requests[0]).toMatchObject({ key: A, keyCount: 1 });
  });

  it('streams a tool call and the finish event', async () => {
    const { fetch, url } = await harness.start({ [A]: { kind: 'ok' } });
    const weather = tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `Sunny in ${city}` });
    const result = streamText({ model: model(fetch, url, 'claude-haiku-4-5'), prompt: 'Weather?', tools: { weather }, maxRetries: 0 });
    const types: string[] = [];
    for await (const part of result.fullStream) types.push(part.type);
    expect(types).toEqual(expect.arrayContaining(['tool-call', 'tool-result']));
    expect(types.at(-1)).toBe('finish');
    expect(await result.toolCalls).toMatchObject([{ toolName: 'weather', input: { city: 'fake' } }]);
  });

  it('generates an object', async () => {
    const { fetch, url } = await harness.start({ [A]: { kind: 'ok', text: '{"city":"Paris"}' } });
    const result = await generateObject({ model: model(fetch, url, 'claude-haiku-4-5'), prompt: 'A city', schema: z.object({ city: z.string() }), maxRetries: 0 });
    expect(result.object).toEqual({ city: 'Paris' });
  });
});
