import type { AttemptContext } from '../pool/attempt-context.js';
import type { ProviderName } from '../request/provider-reader.js';
import { requestReaders } from '../request/read-request.js';
import type { TokenUsage } from '../request/request-info.js';

/** The field each provider reports usage in, as the bytes to look for. */
const usageField: Readonly<Record<ProviderName, { name: string; bytes: Uint8Array }>> = {
  openai: field('usage'),
  anthropic: field('usage'),
  gemini: field('usageMetadata'),
};
const decoder = new TextDecoder();

function field(name: string): { name: string; bytes: Uint8Array } {
  return { name, bytes: new TextEncoder().encode(`"${name}"`) };
}

/** Where `pattern` last occurs in `body`, or -1 (ASCII patterns: a match cannot start inside a UTF-8 sequence). */
function lastIndexOfBytes(body: Uint8Array, pattern: Uint8Array): number {
  const first = pattern[0]!;
  const length = pattern.byteLength;
  outer: for (let at = body.byteLength - length; at >= 0; at--) {
    if (body[at] !== first) continue;
    for (let i = 1; i < length; i++) if (body[at + i] !== pattern[i]) continue outer;
    return at;
  }
  return -1;
}

/**
 * The token usage of a non-stream answer the adapter already holds (it reads the body inside
 * the attempt), through the provider's usage reader. Only the usage object is parsed — the SDK
 * parses the whole answer again for the caller — found as the last `"usage":` key: inside a JSON
 * string that spelling is escaped (`\"usage\"`), so model text cannot fake it. The bytes are
 * searched as they are; only the text from the field on is decoded.
 */
export function usageOfAnswer(provider: ProviderName, body: Uint8Array): TokenUsage | undefined {
  const { name, bytes } = usageField[provider];
  const found = lastIndexOfBytes(body, bytes);
  if (found < 0) return undefined;
  const text = decoder.decode(body.subarray(found));
  const after = bytes.byteLength;
  const open = text.indexOf('{', after);
  if (open < 0 || text.slice(after, open).trim() !== ':') return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) {
      try {
        return requestReaders[provider].usage({ [name]: JSON.parse(text.slice(open, i + 1)) });
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
