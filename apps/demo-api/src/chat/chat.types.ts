import type { ProviderName } from '../upstream/upstream.js';

export const ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof ROLES)[number];

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** `POST /chat` body, once validated. */
export interface ChatRequest {
  provider: ProviderName;
  messages: ChatMessage[];
  stream: boolean;
}

/** `POST /chat` answer: the same shape whichever provider answered. */
export interface ChatCompletion {
  provider: ProviderName;
  text: string;
  model: string;
}

/** A streamed answer: the first chunk has already arrived (Keymesh fails over only before it). */
export interface ChatStream {
  provider: ProviderName;
  model: string;
  chunks: AsyncIterable<string>;
}

/** What each provider's chat service does, in its own SDK. */
export interface ChatProvider {
  complete(messages: ChatMessage[], model: string, signal: AbortSignal): Promise<{ text: string; model: string }>;
  /** Resolves once the first chunk is in hand, so "no key can serve" is still an HTTP status. */
  stream(messages: ChatMessage[], model: string, signal: AbortSignal): Promise<AsyncIterable<string>>;
}
