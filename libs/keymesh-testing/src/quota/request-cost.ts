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
  /** Prompt tokens: ceil(characters of the prompt / 4); see `textLength`. */
  readonly inputTokens: number;
  /** The request's maximum output (`max_tokens` …), or the quota's `defaultMaxOutputTokens`. */
  readonly outputTokens: number;
}

/** Only generation and embedding calls draw on a quota; model lists and token counts do not. */
const GEMINI_CALL = /^\/(?:v1|v1beta|v1alpha)\/(?:models|tunedModels)\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;

/** The cost of `req`, or undefined when it is not a call the provider limits (e.g. `GET /v1/models`). */
export function requestCost(provider: ProviderName, req: WireRequest, defaultMaxOutput: number): RequestCost | undefined {
  const body = asRecord(req.body);
  const maxOutput = (...fields: unknown[]): number => {
    for (const field of fields) if (count(field) !== undefined) return count(field) as number;
    return defaultMaxOutput;
  };
  /** `n` completions (Gemini: candidates) may each write the maximum output. */
  const times = (field: unknown): number => Math.max(1, count(field) ?? 1);
  if (req.method !== 'POST') return undefined;
  switch (provider) {
    case 'openai': {
      const model = body['model'];
      if (typeof model !== 'string') return undefined;
      if (req.path === '/v1/chat/completions') {
        const output = maxOutput(body['max_completion_tokens'], body['max_tokens']) * times(body['n']);
        return { model, inputTokens: tokensOf(body['messages'], body['tools'], body['functions'], body['response_format']), outputTokens: output };
      }
      if (req.path === '/v1/responses') {
        return { model, inputTokens: tokensOf(body['instructions'], body['input'], body['tools'], body['text']), outputTokens: maxOutput(body['max_output_tokens']) };
      }
      if (req.path === '/v1/embeddings') return { model, inputTokens: tokensOf(body['input']), outputTokens: 0 };
      return undefined;
    }
    case 'anthropic': {
      const model = body['model'];
      if (typeof model !== 'string' || req.path !== '/v1/messages') return undefined;
      return { model, inputTokens: tokensOf(body['system'], body['messages'], body['tools']), outputTokens: maxOutput(body['max_tokens']) };
    }
    case 'gemini': {
      const call = GEMINI_CALL.exec(req.path);
      if (!call) return undefined;
      const model = decodeURIComponent(call[1]);
      if (call[2] === 'embedContent') return { model, inputTokens: tokensOf(body['content']), outputTokens: 0 };
      if (call[2] === 'batchEmbedContents') return { model, inputTokens: tokensOf(body['requests']), outputTokens: 0 };
      const config = asRecord(body['generationConfig']);
      return { model, inputTokens: tokensOf(body['contents'], body['systemInstruction'], body['tools']), outputTokens: maxOutput(config['maxOutputTokens']) * times(config['candidateCount']) };
    }
    case 'http':
      return undefined;
  }
}

/** A whole, non-negative count from a request field, or undefined. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

/** Prompt tokens of the parts of a request: their characters of text, divided by 4, rounded up. */
export function tokensOf(...parts: unknown[]): number {
  return Math.ceil(parts.reduce((n: number, part) => n + textLength(part), 0) / 4);
}

/** Values of these keys are media (base64 images, files), billed apart from text: they count nothing. */
const MEDIA_KEYS = new Set(['data', 'file_data', 'image_url', 'url', 'fileUri', 'file_uri', 'file_id']);

/**
 * Characters of text in a request part, the rule Keymesh's estimate (`@keymesh/core`'s request
 * readers) uses, so a pool's reservations and the fake's count agree to the token: every string
 * (but `data:` URIs) and every object key; a number in an array (a token id) counts one token.
 */
function textLength(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.startsWith('data:') ? 0 : value.length;
  // Past 64 levels nothing counts, as in Keymesh's estimate (and no stack overflow on a hostile body).
  if (value === null || typeof value !== 'object' || depth > 64) return 0;
  let length = 0;
  if (Array.isArray(value)) {
    for (const item of value) length += typeof item === 'number' ? 4 : textLength(item, depth + 1);
    return length;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    length += key.length;
    if (!(typeof item === 'string' && MEDIA_KEYS.has(key))) length += textLength(item, depth + 1);
  }
  return length;
}
