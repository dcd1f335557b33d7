import { classifyAnthropic } from '../anthropic/classify-anthropic.js';
import type { Classifier } from '../classify/outcome.js';
import { classifyGemini } from '../gemini/classify-gemini.js';
import { classifyOpenAI } from '../openai/classify-openai.js';
import type { ProviderName } from '../request/provider-reader.js';

/** What `keymeshFetch` needs to know about one provider's HTTP API. */
export interface FetchProvider {
  /** Where its keys go when `baseURL` is not set. */
  readonly origin: string;
  /** The same classifier the provider's SDK adapter uses. */
  readonly classify: Classifier;
  /** The header that carries the pooled key, and how. */
  readonly credentialHeader: string;
  credential(secret: string): string;
  /**
   * Credentials frameworks put on requests to this provider, removed before the pooled key is set:
   * two credentials in one request are refused or, worse, the framework's placeholder wins.
   */
  readonly foreignHeaders: readonly string[];
  /** A query parameter some clients carry the key in instead. */
  readonly foreignQuery?: string;
  /**
   * The error body as the provider's SDK exposes it on its error objects (`error.error`), which is
   * what the provider's classifier reads: openai the inner `error` object, anthropic the whole
   * body. Gemini's classifier reads the body from the message, as genai's `ApiError` carries it.
   */
  sdkErrorBody(body: unknown): unknown;
}

export const fetchProviders: Readonly<Record<ProviderName, FetchProvider>> = {
  openai: {
    origin: 'https://api.openai.com',
    classify: classifyOpenAI,
    credentialHeader: 'authorization',
    credential: (secret) => `Bearer ${secret}`,
    foreignHeaders: ['api-key'],
    sdkErrorBody: (body) => (body as { error?: unknown } | undefined)?.error,
  },
  anthropic: {
    origin: 'https://api.anthropic.com',
    classify: classifyAnthropic,
    // The AI SDK sends `x-api-key`; @anthropic-ai/sdk 1.x (under LangChain) `Authorization: Bearer`.
    credentialHeader: 'x-api-key',
    credential: (secret) => secret,
    foreignHeaders: ['authorization'],
    sdkErrorBody: (body) => body,
  },
  gemini: {
    origin: 'https://generativelanguage.googleapis.com',
    classify: classifyGemini,
    credentialHeader: 'x-goog-api-key',
    credential: (secret) => secret,
    foreignHeaders: ['authorization'],
    foreignQuery: 'key',
    sdkErrorBody: (body) => body,
  },
};

export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && Object.hasOwn(fetchProviders, value);
}
