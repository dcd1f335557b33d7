/**
 * What a fake provider does with a request made with a given key.
 *
 * Every behaviour accepts `latencyMs`, a delay added before the fake starts answering; it
 * overrides the server-wide `latencyMs` option.
 */
interface BehaviourBase {
  /** Milliseconds to wait before answering (or resetting). Overrides the server-wide `latencyMs`. */
  readonly latencyMs?: number;
}

/** Answer normally, with the provider's success headers (including nominal rate-limit headers). */
export interface OkBehaviour extends BehaviourBase {
  readonly kind: 'ok';
  /** Reply text for completions; defaults to the server's `text` option. */
  readonly text?: string;
}

/**
 * Accept `limit` requests per fixed window of `windowMs`, then answer 429 with the provider's
 * rate-limit body and hints until the window ends. Successful answers report the window in the
 * provider's rate-limit headers (remaining, reset).
 */
export interface RateLimitBehaviour extends BehaviourBase {
  readonly kind: 'rate_limit';
  /** Requests accepted per window (0 = always limited). */
  readonly limit: number;
  readonly windowMs: number;
  /**
   * Report this hint instead of the true time until the window ends. Enforcement still follows
   * the window: use it to test clients against hints that lie.
   */
  readonly retryAfterMs?: number;
  /** Which hints the 429 carries; defaults to the server's `hints` option (itself `'all'`). */
  readonly hints?: RetryHints;
  readonly text?: string;
}

/** A fixed error status with the provider's real error body for that status. */
export interface StatusBehaviour extends BehaviourBase {
  readonly kind: 'status';
  readonly status: number;
  /** Replace the provider's error body (serialised as JSON). */
  readonly body?: unknown;
  /** Extra response headers, e.g. `{ 'retry-after-ms': '5' }` to make an SDK retry quickly. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Out of credit, not a rate limit: openai 429 `insufficient_quota`; anthropic 429 with
 * `error.details.error_code: 'enforced_spend_limit_reached'`; gemini 429 `RESOURCE_EXHAUSTED`
 * with a daily `QuotaFailure` violation; http 429 without a retry hint.
 */
export interface QuotaBehaviour extends BehaviourBase {
  readonly kind: 'quota';
}

/** The provider's answer to a key it does not know (gemini: 400 `API_KEY_INVALID`, others 401). */
export interface InvalidKeyBehaviour extends BehaviourBase {
  readonly kind: 'invalid_key';
}

/** Reset the connection (TCP RST) before any response bytes. */
export interface ResetBehaviour extends BehaviourBase {
  readonly kind: 'reset';
}

/** Send 200 headers, then nothing more: a non-stream body never finishes, a stream never sends a chunk. */
export interface StallBodyBehaviour extends BehaviourBase {
  readonly kind: 'stall_body';
}

/**
 * Streams: send `afterChunks` events, then close the connection mid-body.
 * Non-stream requests: 200 headers and half the body, then the same close.
 */
export interface StreamDropBehaviour extends BehaviourBase {
  readonly kind: 'stream_drop';
  readonly afterChunks: number;
}

/**
 * Streams: send `afterChunks` events, then silence until the client gives up or the fake closes.
 * Non-stream requests: 200 headers and half the body, then silence.
 */
export interface StreamStallBehaviour extends BehaviourBase {
  readonly kind: 'stream_stall';
  readonly afterChunks: number;
}

/**
 * Streams: send `afterChunks` events, then the provider's in-stream error event (openai `server_error`,
 * anthropic `overloaded_error`, gemini 503 `UNAVAILABLE` chunk) and end the stream.
 * Non-stream requests get the same error as an HTTP status (openai 503, anthropic 529, gemini 503).
 */
export interface StreamErrorBehaviour extends BehaviourBase {
  readonly kind: 'stream_error';
  readonly afterChunks: number;
}

export type Behaviour =
  | OkBehaviour
  | RateLimitBehaviour
  | StatusBehaviour
  | QuotaBehaviour
  | InvalidKeyBehaviour
  | ResetBehaviour
  | StallBodyBehaviour
  | StreamDropBehaviour
  | StreamStallBehaviour
  | StreamErrorBehaviour;

export type BehaviourKind = Behaviour['kind'];

/**
 * One behaviour for every request, or a script: request n made with the key gets entry n and
 * the last entry repeats.
 */
export type KeyBehaviour = Behaviour | readonly Behaviour[];

/**
 * Where a 429 puts its retry hint. `'all'` sends what the real provider sends; a list sends
 * exactly those that apply to the provider:
 * - `retry-after`: `Retry-After` header, whole seconds rounded up;
 * - `retry-after-ms`: `retry-after-ms` header (openai sends it; the anthropic SDK honours it too);
 * - `reset-headers`: the provider's rate-limit headers with remaining 0 and the reset time
 *   (openai `x-ratelimit-*`, anthropic `anthropic-ratelimit-*`, http `ratelimit-*`);
 * - `retry-info`: gemini's `google.rpc.RetryInfo` body detail.
 */
export type RetryHint = 'retry-after' | 'retry-after-ms' | 'reset-headers' | 'retry-info';
export type RetryHints = 'all' | 'none' | readonly RetryHint[];

const KINDS: ReadonlySet<string> = new Set<BehaviourKind>([
  'ok',
  'rate_limit',
  'status',
  'quota',
  'invalid_key',
  'reset',
  'stall_body',
  'stream_drop',
  'stream_stall',
  'stream_error',
]);
const HINTS: ReadonlySet<string> = new Set<RetryHint>(['retry-after', 'retry-after-ms', 'reset-headers', 'retry-info']);

/** Turns a key's behaviour into a non-empty script, failing loudly on a typo before any socket opens. */
export function toScript(value: KeyBehaviour, where: string): readonly Behaviour[] {
  const script: readonly Behaviour[] = Array.isArray(value) ? value : [value as Behaviour];
  if (script.length === 0) throw new TypeError(`${where}: a script needs at least one behaviour`);
  script.forEach((b, i) => validateBehaviour(b, script.length > 1 ? `${where}[${i}]` : where));
  return script;
}

function validateBehaviour(b: Behaviour, where: string): void {
  if (b === null || typeof b !== 'object' || !KINDS.has((b as { kind?: unknown }).kind as string)) {
    throw new TypeError(`${where}: unknown behaviour ${JSON.stringify(b)}; kind must be one of ${[...KINDS].join(', ')}`);
  }
  if (b.latencyMs !== undefined) nonNegative(b.latencyMs, `${where}.latencyMs`);
  switch (b.kind) {
    case 'rate_limit':
      nonNegativeInteger(b.limit, `${where}.limit`);
      if (!(Number.isFinite(b.windowMs) && b.windowMs > 0)) throw new RangeError(`${where}.windowMs must be a positive number`);
      if (b.retryAfterMs !== undefined) nonNegative(b.retryAfterMs, `${where}.retryAfterMs`);
      if (b.hints !== undefined) validateHints(b.hints, `${where}.hints`);
      break;
    case 'status':
      if (!Number.isInteger(b.status) || b.status < 400 || b.status > 599) {
        throw new RangeError(`${where}.status must be an integer error status (400-599), got ${b.status}`);
      }
      break;
    case 'stream_drop':
    case 'stream_stall':
    case 'stream_error':
      nonNegativeInteger(b.afterChunks, `${where}.afterChunks`);
      break;
  }
}

export function validateHints(hints: RetryHints, where: string): void {
  if (hints === 'all' || hints === 'none') return;
  if (!Array.isArray(hints) || hints.some((h) => !HINTS.has(h))) {
    throw new TypeError(`${where} must be 'all', 'none' or a list of ${[...HINTS].join(', ')}`);
  }
}

export function nonNegative(value: number, where: string): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${where} must be a finite number >= 0, got ${value}`);
}

function nonNegativeInteger(value: number, where: string): void {
  if (!(Number.isInteger(value) && value >= 0)) throw new RangeError(`${where} must be an integer >= 0, got ${value}`);
}
