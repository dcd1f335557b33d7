import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, jsonSchema, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aiSdkTarget } from './__tests__/ai-sdk.js';
import { A, describeFetchTarget } from './__tests__/fetch-suite.js';

const openai = (fetch: typeof globalThis.fetch, baseURL: string) => createOpenAI({ apiKey: 'unused', baseURL, fetch });
const baseURL = (fake: { url: string }) => fake.url;

for (const [api, model] of [
  ['Responses API: openai(model)', (fetch: typeof globalThis.fetch, url: string, id: string) => openai(fetch, url)(id)],
  ['chat completions: openai.chat(model)', (fetch: typeof globalThis.fetch, url: string, id: string) => openai(fetch, url).chat(id)],
] as const) {
  describe(`@ai-sdk/openai, ${api}`, () => {
    const harness = describeFetchTarget(aiSdkTarget(`@ai-sdk/openai ${api}`, 'openai', baseURL, model, ['gpt-4o-mini', 'gpt-4.1']));

    it('streams a tool call and the finish event', async () => {
      const { fake, fetch, url } = await harness.start({ [A]: { kind: 'ok' } });
      const weather = tool({ description: 'Weather in a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `Sunny in ${city}` });
      const result = streamText({ model: model(fetch, url, 'gpt-4o-mini'), prompt: 'Weather in Paris?', tools: { weather }, maxRetries: 0 });
      const parts: Array<{ type: string }> = [];
      for await (const part of result.fullStream) parts.push(part);
      expect(parts.find((p) => p.type === 'tool-call')).toMatchObject({ toolName: 'weather', input: { city: 'fake' } });
      expect(parts.find((p) => p.type === 'tool-result')).toMatchObject({ output: 'Sunny in fake' });
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
      expect(await result.finishReason).toBe('tool-calls');
      expect(fake.requests).toHaveLength(1);
    });

    it('generates an object', async () => {
      const { fetch, url } = await harness.start({ [A]: { kind: 'ok', text: '{"city":"Paris"}' } });
      const result = await generateObject({ model: model(fetch, url, 'gpt-4o-mini'), prompt: 'A city', schema: z.object({ city: z.string() }), maxRetries: 0 });
      expect(result.object).toEqual({ city: 'Paris' });
    });

    it('keeps a JSON-schema tool working (jsonSchema helper)', async () => {
      const { fetch, url } = await harness.start({ [A]: { kind: 'ok' } });
      const lookup = tool({ inputSchema: jsonSchema<{ id: number }>({ type: 'object', properties: { id: { type: 'number' } }, required: ['id'] }) });
      const result = streamText({ model: model(fetch, url, 'gpt-4o-mini'), prompt: 'Look up', tools: { lookup }, maxRetries: 0 });
      expect(await result.toolCalls).toMatchObject([{ toolName: 'lookup', input: { id: 1 } }]);
    });
  });
}
