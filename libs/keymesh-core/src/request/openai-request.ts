import { countField, defaultMaxOutputTokens, pathOf, promptTokens, recordOf, tokenUsage } from './estimate-tokens.js';
import type { ProviderReader, ReadRequestOptions } from './provider-reader.js';
import type { RequestInfo, TokenUsage } from './request-info.js';

/**
 * OpenAI limits tokens per minute as one number, counting the prompt and the request's maximum
 * output, so the estimate is `{ tokens }`. Every endpoint names its model in the body.
 */
export function readOpenAIRequest(path: string, body: unknown, options?: ReadRequestOptions): RequestInfo {
  const request = recordOf(body);
  if (request === undefined) return {};
  const model = typeof request.model === 'string' ? request.model : undefined;
  const tokens = estimate(pathOf(path), request, options?.defaultMaxOutputTokens ?? defaultMaxOutputTokens);
  return tokens === undefined ? { model } : { model, cost: { tokens } };
}

function estimate(path: string, request: Record<string, unknown>, defaultOutput: number): number | undefined {
  if (path.endsWith('/chat/completions')) {
    const output = countField(request.max_completion_tokens) ?? countField(request.max_tokens) ?? defaultOutput;
    return promptTokens(request.messages, request.tools, request.functions, request.response_format) + output * choices(request);
  }
  if (path.endsWith('/responses')) {
    const output = countField(request.max_output_tokens) ?? defaultOutput;
    return promptTokens(request.instructions, request.input, request.tools, request.text) + output;
  }
  if (path.endsWith('/embeddings')) return promptTokens(request.input);
  if (path.endsWith('/completions')) {
    // The legacy completions API's own default maximum is 16 tokens.
    const output = countField(request.max_tokens) ?? 16;
    return promptTokens(request.prompt, request.suffix) + output * choices(request);
  }
  return undefined;
}

/** `n` completions cost `n` times the output. */
function choices(request: Record<string, unknown>): number {
  const n = countField(request.n);
  return n === undefined || n < 1 ? 1 : n;
}

/**
 * Chat completions and embeddings report `usage.prompt_tokens` / `completion_tokens` /
 * `total_tokens`; the Responses API `usage.input_tokens` / `output_tokens` / `total_tokens`.
 */
export function readOpenAIUsage(body: unknown): TokenUsage | undefined {
  const usage = recordOf(recordOf(body)?.usage);
  if (usage === undefined) return undefined;
  const inputTokens = countField(usage.prompt_tokens) ?? countField(usage.input_tokens);
  const outputTokens = countField(usage.completion_tokens) ?? countField(usage.output_tokens);
  return tokenUsage(inputTokens, outputTokens, countField(usage.total_tokens));
}

export const openaiRequestReader: ProviderReader = { request: readOpenAIRequest, usage: readOpenAIUsage };
