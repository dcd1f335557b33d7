import { APICallError, generateText, streamText, type LanguageModel } from 'ai';
import { expect } from 'vitest';
import type { FetchTarget } from './fetch-suite.js';

/** An AI SDK target: `model(fetch, baseURL, id)` builds the provider's language model on the fetch. */
export function aiSdkTarget(
  name: string,
  provider: FetchTarget['provider'],
  baseURL: FetchTarget['baseURL'],
  model: (fetch: typeof globalThis.fetch, baseURL: string, id: string) => LanguageModel,
  models: [string, string],
): FetchTarget {
  return {
    name,
    provider,
    baseURL,
    models,
    async generate(fetch, url, id, signal) {
      const result = await generateText({ model: model(fetch, url, id), prompt: 'Say hello', maxRetries: 0, abortSignal: signal });
      return result.text;
    },
    async stream(fetch, url, id, signal) {
      const result = streamText({ model: model(fetch, url, id), prompt: 'Say hello', maxRetries: 0, abortSignal: signal, onError: () => {} });
      let text = '';
      let error: unknown;
      // `textStream` drops errors silently: `fullStream` carries them (or throws, for a broken body).
      try {
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta') text += part.text;
          if (part.type === 'error') error = part.error;
        }
      } catch (thrown) {
        error = thrown;
      }
      return { text, error };
    },
    expectBadRequest(error) {
      expect(APICallError.isInstance(error)).toBe(true);
      expect((error as APICallError).statusCode).toBe(400);
      expect((error as APICallError).isRetryable).toBe(false);
    },
  };
}
