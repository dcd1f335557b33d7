import type { TokenUsage } from './request-info.js';

/**
 * The token estimate every provider reader shares. Providers publish the same rule of thumb for
 * English text — about four characters per token (OpenAI's tokenizer guide, Anthropic's and
 * Google's token-counting pages) — and it is all an estimate before the call needs to be: the
 * answer's reported usage corrects it.
 */

/** Characters per token, the providers' documented rule of thumb. */
export const charactersPerToken = 4;

/**
 * Maximum output assumed for a request that sets none. A guess that only matters under
 * token-aware admission; `defaultMaxOutputTokens` replaces it.
 */
export const defaultMaxOutputTokens = 1_024;

/** Tokens for `characters` characters of text, rounded up. */
export function tokensOfCharacters(characters: number): number {
  return Math.ceil(characters / charactersPerToken);
}

/**
 * Keys whose string values are media payloads (base64 images, audio, files), not text: at four
 * characters per token a 1 MB image would count as 250,000 tokens, where providers bill an image
 * a few hundred to a few thousand. Media is left out of the estimate; the answer's usage says
 * what it cost.
 */
/** Nesting levels the estimate walks; real requests use fewer than ten. */
const maxCountedDepth = 64;

const mediaKeys = new Set(['data', 'file_data', 'image_url', 'url', 'fileUri', 'file_uri', 'file_id']);

/**
 * Characters of text in a request fragment: every string value and every object key (keys are
 * tokens too: a message's `role`/`content` cost about what the providers document as per-message
 * overhead, and a tool schema's property names are sent to the model). Numbers inside arrays are
 * token ids (embeddings and completions accept prompts as token arrays) and count one token each.
 * Walks the parsed value: nothing is serialised again to be measured.
 */
export function textLength(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.startsWith('data:') ? 0 : value.length;
  // Deeper than any real request (and than providers accept): not counted, so a hostile body
  // nested 20,000 levels cannot overflow the stack before the provider refuses it.
  if (typeof value !== 'object' || value === null || depth > maxCountedDepth) return 0;
  let length = 0;
  if (Array.isArray(value)) {
    for (const item of value) length += typeof item === 'number' ? charactersPerToken : textLength(item, depth + 1);
    return length;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    length += key.length;
    if (typeof item === 'string' && mediaKeys.has(key)) continue;
    length += textLength(item, depth + 1);
  }
  return length;
}

/** Tokens of the prompt made of `fragments` (messages, system text, tools, …). */
export function promptTokens(...fragments: unknown[]): number {
  let length = 0;
  for (const fragment of fragments) length += textLength(fragment);
  return tokensOfCharacters(length);
}

/** A whole, non-negative number from a request field, or undefined. */
export function countField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

/** A plain object, or undefined. */
export function recordOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The request path without its query, for matching endpoint names. */
export function pathOf(path: string): string {
  const query = path.indexOf('?');
  return query < 0 ? path : path.slice(0, query);
}

/** A `TokenUsage` of the counts an answer reported (the total derived when it gave none), or undefined when it reported none. */
export function tokenUsage(inputTokens: number | undefined, outputTokens: number | undefined, totalTokens?: number): TokenUsage | undefined {
  const total = totalTokens ?? (inputTokens !== undefined || outputTokens !== undefined ? (inputTokens ?? 0) + (outputTokens ?? 0) : undefined);
  if (total === undefined) return undefined;
  const usage: TokenUsage = {};
  if (inputTokens !== undefined) usage.inputTokens = inputTokens;
  if (outputTokens !== undefined) usage.outputTokens = outputTokens;
  usage.totalTokens = total;
  return usage;
}
