import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOpenAI } from '@langchain/openai';
import { describe, expect, it } from 'vitest';
import { A, describeFetchTarget, type FetchTarget } from './__tests__/fetch-suite.js';

/** LangChain's own caller retries 6 times by default and the SDK underneath twice: both off. */
function langchainTarget(name: string, provider: FetchTarget['provider'], baseURL: FetchTarget['baseURL'], chat: (fetch: typeof globalThis.fetch, url: string, model: string) => BaseChatModel, models: [string, string]): FetchTarget {
  return {
    name,
    provider,
    baseURL,
    models,
    async generate(fetch, url, model, signal) {
      const message = await chat(fetch, url, model).invoke('Say hello', { signal });
      return message.text;
    },
    async stream(fetch, url, model, signal) {
      let text = '';
      try {
        for await (const chunk of await chat(fetch, url, model).stream('Say hello', { signal })) text += chunk.text;
      } catch (error) {
        return { text, error };
      }
      return { text };
    },
    expectBadRequest(error) {
      // The SDK's own error class, status kept: keymeshFetch resolved with the 400 response.
      expect(error).toMatchObject({ status: 400 });
      expect((error as Error).constructor.name).toBe('BadRequestError');
    },
  };
}

const openai = (fetch: typeof globalThis.fetch, baseURL: string, model: string) => new ChatOpenAI({ model, apiKey: 'unused', maxRetries: 0, configuration: { baseURL, fetch } });
const anthropic = (fetch: typeof globalThis.fetch, anthropicApiUrl: string, model: string) =>
  new ChatAnthropic({ model, apiKey: 'unused', maxRetries: 0, anthropicApiUrl, clientOptions: { fetch } });

describe('LangChain ChatOpenAI', () => {
  const harness = describeFetchTarget(langchainTarget('ChatOpenAI', 'openai', (fake) => fake.url, openai, ['gpt-4o-mini', 'gpt-4.1']));

  it('binds tools and gets the tool call back', async () => {
    const { fetch, url } = await harness.start({ [A]: { kind: 'ok' } });
    const model = openai(fetch, url, 'gpt-4o-mini').bindTools([{ type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]);
    const message = await model.invoke('Weather in Paris?');
    expect(message.tool_calls).toMatchObject([{ name: 'weather', args: { city: 'fake' } }]);
  });
});

describe('LangChain ChatAnthropic', () => {
  const harness = describeFetchTarget(langchainTarget('ChatAnthropic', 'anthropic', (fake) => fake.url, anthropic, ['claude-haiku-4-5', 'claude-sonnet-4-5']));

  it('replaces the SDK’s Bearer credential: one pooled key reaches Anthropic', async () => {
    const { fake, fetch, url } = await harness.start({ [A]: { kind: 'ok' } });
    await anthropic(fetch, url, 'claude-haiku-4-5').invoke('Hi');
    expect(fake.requests[0]).toMatchObject({ key: A, keyCount: 1 });
  });
});
