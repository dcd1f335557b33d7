import type { RequestInfo, TokenUsage } from './request-info.js';

/** The providers whose requests Keymesh reads. */
export type ProviderName = 'openai' | 'anthropic' | 'gemini';

/** How a reader estimates a request's cost. */
export interface ReadRequestOptions {
  /** Output tokens assumed when the request sets no maximum. Default 1,024. */
  defaultMaxOutputTokens?: number;
}

/**
 * Reads a provider's requests and answers: the model a request calls and what it will cost, and
 * the token usage an answer reports. The SDK adapters and `keymeshFetch` use the same readers.
 */
export interface ProviderReader {
  /**
   * `path` is the request's path, with or without the API version prefix and query
   * (`/v1/chat/completions`, `/chat/completions`, `models/gemini-2.5-flash:generateContent`);
   * `body` the parsed JSON body. Never throws: an unknown shape yields what could be read.
   */
  request(path: string, body: unknown, options?: ReadRequestOptions): RequestInfo;
  /** Token usage from an answer's parsed JSON body, or undefined when it reports none. */
  usage(body: unknown): TokenUsage | undefined;
}
