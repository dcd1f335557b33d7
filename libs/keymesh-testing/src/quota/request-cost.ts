import { asRecord } from '../providers/common.js';
import type { ProviderName, WireRequest } from '../wire.js';

/**
 * What a request draws from its organisation's limits, counted as the provider counts it when the
 * request arrives: the prompt at ~4 characters per token (the providers' documented rule of
 * thumb) and the request's maximum output. Deterministic, so a test knows each request's cost.
 */
export interface RequestCost {
  /** The model the request calls (Gemini: from the path). */
  readonly model: string;
  /** Prompt tokens: ceil(characters of the prompt's text / 4). */
  readonly inputTokens: number;
  /** The request's maximum output (`max_tokens` …), or the quota's `defaultMaxOutputTokens`. */
  readonly outputTokens: number;
}

/** Only generation and embedding calls draw on a quota; model lists and token counts do not. */
const GEMINI_CALL = /^\/(?:v1|v1beta|v1alpha)\/(?:models|tunedModels)\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;

/** The cost of `req`, or undefined when it is not a call the provider limits (e.g. `GET /v1/models`). */
export function requestCost(provider: ProviderName, req: WireRequest, defaultMaxOutput: number): RequestCost | undefined {
  const body = asRecord(req.body);
  const maxOutput = (...names: unknown[]): number => {
    for (const n of names) if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return Math.ceil(n);
    return defaultMaxOutput;
  };
  if (req.method !== 'POST') return undefined;
  switch (provider) {
    case 'openai': {
      const model = body['model'];
      if (typeof model !== 'string') return undefined;
      if (req.path === '/v1/chat/completions') {
        return { model, inputTokens: tokensOf(body['messages']), outputTokens: maxOutput(body['max_completion_tokens'], body['max_tokens']) };
      }
      if (req.path === '/v1/responses') {
        return { model, inputTokens: tokensOf([body['instructions'], body['input']]), outputTokens: maxOutput(body['max_output_tokens']) };
      }
      if (req.path === '/v1/embeddings') return { model, inputTokens: tokensOf(body['input']), outputTokens: 0 };
      return undefined;
    }
    case 'anthropic': {
      const model = body['model'];
      if (typeof model !== 'string' || req.path !== '/v1/messages') return undefined;
      return { model, inputTokens: tokensOf([body['system'], body['messages']]), outputTokens: maxOutput(body['max_tokens']) };
    }
    case 'gemini': {
      const call = GEMINI_CALL.exec(req.path);
      if (!call) return undefined;
      const embedding = call[2] === 'embedContent' || call[2] === 'batchEmbedContents';
      const generation = asRecord(body['generationConfig']);
      return {
        model: decodeURIComponent(call[1]),
        inputTokens: tokensOf([body['systemInstruction'], body['contents'], body['content'], body['requests']]),
        outputTokens: embedding ? 0 : maxOutput(generation['maxOutputTokens']),
      };
    }
    case 'http':
      return undefined;
  }
}

/** Prompt tokens of any request part: the characters of every text in it, divided by 4, rounded up. */
export function tokensOf(value: unknown): number {
  return Math.ceil(textLength(value) / 4);
}

/**
 * Characters of text in a prompt: strings, and the `text` / `content` of message parts. Roles,
 * ids and other structure are not prompt text, so they do not count.
 */
function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((n: number, item) => n + textLength(item), 0);
  if (value === null || typeof value !== 'object') return 0;
  const record = value as Record<string, unknown>;
  return textLength(record['content']) + textLength(record['text']) + textLength(record['parts']) + textLength(record['input']);
}
