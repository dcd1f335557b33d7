/**
 * What the pool knows about a request before it is sent: the limit it draws on (its scope) and
 * what it will cost. Providers limit an organisation per model, on requests and tokens, so the
 * scope is the model (or a name several models share, via `scopeOf`) and the cost is in tokens.
 */

/** The scope of a request that names none: a pool used without scopes behaves as one limit per key. */
export const defaultScope = 'default';

/** A rate-limit dimension, as the providers report them. */
export type LimitDimension = 'requests' | 'tokens' | 'input_tokens' | 'output_tokens';

/** What a request is expected to cost, besides the one request it always is. */
export interface RequestCost {
  /** Total tokens (prompt + maximum output), for providers that limit tokens as one number. */
  tokens?: number;
  /** Input (prompt) tokens, for providers that count them apart (Anthropic). */
  inputTokens?: number;
  /** Maximum output tokens, for providers that count them apart (Anthropic). */
  outputTokens?: number;
}

/** Tokens an answer reports it used (OpenAI `usage`, Anthropic `usage`, Gemini `usageMetadata`). */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

/** What an adapter reads from a request: its scope (the model) and its estimated cost. */
export interface RequestInfo {
  /** The model the request calls, before `scopeOf` maps it; undefined when the request names none. */
  model?: string;
  cost?: RequestCost;
}
