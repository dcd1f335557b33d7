import type { IncomingHttpHeaders } from 'node:http';
import type { RetryHint } from './behaviour.js';
import type { QuotaVerdict } from './quota/quota-ledger.js';
import type { RateState } from './rate-window.js';

export type ProviderName = 'openai' | 'anthropic' | 'gemini' | 'http';

/** A complete HTTP answer with a JSON body. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** A request as a provider wire sees it, credentials already taken out of `query`. */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** What an endpoint answers when the key's behaviour lets it answer. */
export type RouteResult =
  | { readonly type: 'json'; readonly response: WireResponse }
  | {
      readonly type: 'stream';
      readonly headers: Readonly<Record<string, string>>;
      /** One SSE frame per event the SDK yields; stream faults cut this list. */
      readonly frames: readonly string[];
      /** A closing frame that is not an event of its own (openai's `data: [DONE]`). */
      readonly terminator?: string;
    };

/** Per-request facts a wire needs to build bodies. */
export interface WireContext {
  readonly request: WireRequest;
  /** Unique per request; each provider adds its own prefixes (`req_`, `msg_`, `chatcmpl-`). */
  readonly requestId: string;
  /** The fake's clock, epoch ms. */
  readonly now: number;
  /** Reply text for completions. */
  readonly text: string;
  readonly models: readonly string[];
  /** Default page size for model lists when the request names none. */
  readonly pageSize: number | undefined;
}

export interface RateLimitReply {
  readonly rate: RateState;
  /** The hint to report (the true time to the window end unless overridden). */
  readonly retryAfterMs: number;
  readonly hints: ReadonlySet<RetryHint>;
}

/** Where a provider reads credentials, in the order it prefers them. */
export type CredentialSource =
  | { readonly header: string; readonly scheme?: 'bearer' }
  | { readonly query: string };

/** Everything provider-specific about a fake: routes, bodies, headers, errors. */
export interface ProviderWire {
  readonly name: ProviderName;
  /** Appended to the origin to make `fake.url`. */
  readonly basePath: string;
  readonly credentialSources: readonly CredentialSource[];
  /** The hints a real 429 of this provider carries (`hints: 'all'`). */
  readonly defaultHints: readonly RetryHint[];
  isStream(req: WireRequest): boolean;
  route(req: WireRequest, ctx: WireContext): RouteResult;
  /**
   * Ids and rate-limit headers on a successful answer; `rate` undefined: ids only (the quota
   * mode adds the headers of the request's limits itself).
   */
  successHeaders(rate: RateState | undefined, ctx: WireContext): Record<string, string>;
  rateLimited(reply: RateLimitReply, ctx: WireContext): WireResponse;
  quota(ctx: WireContext): WireResponse;
  /** `key` undefined: no credential was sent at all. */
  invalidKey(key: string | undefined, ctx: WireContext): WireResponse;
  status(status: number, ctx: WireContext): WireResponse;
  /** The in-stream error event, and the status answer a non-stream request gets instead. */
  streamError(ctx: WireContext): { readonly frame: string; readonly response: WireResponse };
  /** Rate-limit headers and 429s of the quota mode; undefined for providers without one (http). */
  readonly limits?: LimitWire;
}

/** How a provider reports its organisation limits (the quota mode of a fake). */
export interface LimitWire {
  /** The rate-limit headers of an answer for these limits (gemini: none). */
  headers(verdict: QuotaVerdict, ctx: WireContext): Record<string, string>;
  /** The provider's 429 for a request that did not fit `verdict.exceeded`. */
  exceeded(verdict: QuotaVerdict, hints: ReadonlySet<RetryHint>, ctx: WireContext): WireResponse;
}

/** Masks a key the way providers echo it in error messages; short test keys are hidden entirely. */
export function maskKey(key: string): string {
  return key.length >= 16 ? `${key.slice(0, 3)}***${key.slice(-4)}` : '***';
}

/** Reads an integer query parameter, ignoring anything that is not a positive integer. */
export function positiveInt(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A rough token count: enough for usage fields that look plausible and grow with input. */
export function roughTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(text.length / 4));
}
