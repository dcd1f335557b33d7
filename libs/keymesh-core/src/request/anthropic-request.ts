import { countField, defaultMaxOutputTokens, pathOf, promptTokens, recordOf, tokenUsage } from './estimate-tokens.js';
import type { ProviderReader, ReadRequestOptions } from './provider-reader.js';
import type { RequestInfo, TokenUsage } from './request-info.js';

/**
 * Anthropic limits input and output tokens per minute apart (and reports a combined `tokens`
 * dimension too), so the estimate carries all three. `max_tokens` is required by the Messages API;
 * the default only covers a request that left it out (the API will refuse it anyway).
 * `count_tokens` calls draw on no token limit: they get a model and no cost.
 */
export function readAnthropicRequest(path: string, body: unknown, options?: ReadRequestOptions): RequestInfo {
  const request = recordOf(body);
  if (request === undefined) return {};
  const model = typeof request.model === 'string' ? request.model : undefined;
  if (!pathOf(path).endsWith('/messages')) return { model };
  const inputTokens = promptTokens(request.system, request.messages, request.tools);
  const outputTokens = countField(request.max_tokens) ?? options?.defaultMaxOutputTokens ?? defaultMaxOutputTokens;
  return { model, cost: { inputTokens, outputTokens, tokens: inputTokens + outputTokens } };
}

/**
 * `usage.input_tokens` counts only the uncached part of the prompt; the cache's reads and writes
 * are reported beside it. Input here is everything the model read (as the OpenTelemetry GenAI
 * conventions count it).
 */
export function readAnthropicUsage(body: unknown): TokenUsage | undefined {
  const usage = recordOf(recordOf(body)?.usage);
  if (usage === undefined) return undefined;
  const uncached = countField(usage.input_tokens);
  const inputTokens = uncached === undefined ? undefined : uncached + (countField(usage.cache_creation_input_tokens) ?? 0) + (countField(usage.cache_read_input_tokens) ?? 0);
  return tokenUsage(inputTokens, countField(usage.output_tokens));
}

export const anthropicRequestReader: ProviderReader = { request: readAnthropicRequest, usage: readAnthropicUsage };
