import type { RetryHints } from './behaviour.js';
import { wireFor } from './providers/index.js';
import type { RateState } from './rate-window.js';
import type { ProviderName, WireContext, WireResponse } from './wire.js';

/** An error answer to build without a server. */
export type ProviderFault =
  | { readonly kind: 'rate_limit'; readonly retryAfterMs: number; readonly limit?: number; readonly hints?: RetryHints }
  | { readonly kind: 'quota' }
  | { readonly kind: 'invalid_key'; readonly key?: string }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'stream_error' };

export type ProviderErrorResponse = WireResponse;

/**
 * The status, headers and JSON body a fake would answer with, for unit tests that build SDK
 * errors by hand, e.g. `new OpenAI.RateLimitError(r.status, r.body.error, undefined, new Headers(r.headers))`.
 * For gemini, `model` fills the quota violation's dimensions.
 */
export function providerError(
  provider: ProviderName,
  fault: ProviderFault,
  options: { readonly now?: number; readonly model?: string } = {},
): ProviderErrorResponse {
  const wire = wireFor(provider);
  const path = provider === 'gemini' ? `/v1beta/models/${options.model ?? 'gemini-2.5-flash'}:generateContent` : '/';
  const ctx: WireContext = {
    request: { method: 'POST', path, query: new URLSearchParams(), headers: {}, body: undefined },
    requestId: 'fake00000000',
    now: options.now ?? Date.now(),
    text: '',
    models: [],
    pageSize: undefined,
  };
  switch (fault.kind) {
    case 'rate_limit': {
      const limit = fault.limit ?? 60;
      const rate: RateState = { limit, remaining: 0, resetMs: fault.retryAfterMs };
      const hints = fault.hints ?? 'all';
      const set = hints === 'all' ? wire.defaultHints : hints === 'none' ? [] : hints;
      return wire.rateLimited({ rate, retryAfterMs: fault.retryAfterMs, hints: new Set(set) }, ctx);
    }
    case 'quota':
      return wire.quota(ctx);
    case 'invalid_key':
      return wire.invalidKey(fault.key ?? 'invalid-key', ctx);
    case 'status':
      return wire.status(fault.status, ctx);
    case 'stream_error':
      return wire.streamError(ctx).response;
  }
}
