import type { LimitDimension } from '../request/request-info.js';

/**
 * The five things an upstream outcome can mean for a pool. See PRODUCT.md's semantics table:
 * the first three are key-scoped (rotate at once), provider trouble is retried after backoff,
 * and a caller's fault is thrown unchanged.
 */
export type OutcomeKind = 'rate_limited' | 'quota_exhausted' | 'key_rejected' | 'provider_trouble' | 'caller_fault';

export interface Outcome {
  kind: OutcomeKind;
  /** How long the provider asked us to wait, in ms (already validated and clamped). */
  retryAfterMs?: number;
  /** HTTP status when there was one, for events and diagnostics. */
  status?: number;
  /**
   * Which limit a rate-limit or quota answer names, when the provider says so: OpenAI's error
   * `type` (requests / tokens) and the model in its message, Gemini's `QuotaFailure` violation
   * (model, per-minute or per-day), Anthropic's exhausted `anthropic-ratelimit-*` dimension.
   */
  limit?: LimitAttribution;
  /**
   * `false` when this request must not be tried again, whatever its kind: the server said so
   * (`x-should-retry: false`, which the SDKs obey) or its body cannot be sent a second time. The
   * key is still recorded as classified; the error is thrown.
   */
  retry?: false;
}

/** What a provider's answer says about the limit it hit. Every field is optional: providers say more or less. */
export interface LimitAttribution {
  /** The dimension that ran out. */
  dimension?: LimitDimension;
  /** The model the provider named (before `scopeOf`), when it differs from or confirms the request's. */
  model?: string;
  /** The limit's window: a daily quota is billing-like (it outlasts any cooldown), a per-minute one is not. */
  window?: 'minute' | 'day';
}

export interface ClassifyContext {
  /** Epoch ms, from the pool's clock: resets and HTTP dates are relative to it. */
  now: number;
  /** Longest hint worth honouring; longer ones are clamped to it. */
  maxCooldownMs: number;
}

/**
 * Maps a thrown error to an outcome. Return `undefined` to fall back to the default
 * classifier (status + headers), so an override only has to handle what it knows better.
 */
export type Classifier = (error: unknown, context: ClassifyContext) => Outcome | undefined;

export function isKeyScoped(kind: OutcomeKind): boolean {
  return kind === 'rate_limited' || kind === 'quota_exhausted' || kind === 'key_rejected';
}
