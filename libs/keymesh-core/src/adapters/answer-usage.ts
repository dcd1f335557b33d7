import type { AttemptContext } from '../pool/attempt-context.js';
import type { ProviderName } from '../request/provider-reader.js';
import { requestReaders } from '../request/read-request.js';
import type { TokenUsage } from '../request/request-info.js';

/** The field each provider reports usage in. */
const usageField: Readonly<Record<ProviderName, string>> = { openai: '"usage"', anthropic: '"usage"', gemini: '"usageMetadata"' };
const decoder = new TextDecoder();

/**
 * The token usage of a non-stream answer the adapter already holds (it reads the body inside
 * the attempt), through the provider's usage reader. Only the usage object is parsed — the SDK
 * parses the whole answer again for the caller — found as the last `"usage":` key: inside a JSON
 * string that spelling is escaped (`\"usage\"`), so model text cannot fake it.
 */
export function usageOfAnswer(provider: ProviderName, body: Uint8Array): TokenUsage | undefined {
  const text = decoder.decode(body);
  const field = usageField[provider];
  const at = text.lastIndexOf(field);
  if (at < 0) return undefined;
  const open = text.indexOf('{', at + field.length);
  if (open < 0 || text.slice(at + field.length, open).trim() !== ':') return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) {
      try {
        return requestReaders[provider].usage({ [field.slice(1, -1)]: JSON.parse(text.slice(open, i + 1)) });
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Hands the answer's usage to the attempt, when it reports any. */
export function reportUsage(ctx: AttemptContext, provider: ProviderName, body: Uint8Array): void {
  const usage = usageOfAnswer(provider, body);
  if (usage !== undefined) ctx.usage(usage);
}
