import { ErrorCodes, KeymeshError } from './keymesh-error.js';

const statusOfType: Record<string, number> = {
  overloaded_error: 529,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  requests: 429,
  tokens: 429,
  insufficient_quota: 429,
  authentication_error: 401,
  invalid_api_key: 401,
  permission_error: 403,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/**
 * A stream whose very first event was the provider's error event: nothing reached the caller,
 * so the request fails over. `status` mirrors what the error type means over HTTP (overloaded →
 * 529, rate limit and quota → 429, key rejections 401 / 403, anything else 500), so classification treats it like the status.
 */
export class StreamErrorEventError extends KeymeshError {
  readonly status: number;
  /** The provider's error type, e.g. `overloaded_error`. */
  readonly type: string | undefined;
  /** The parsed error payload of the event. */
  readonly event: unknown;

  /** The provider's message, when its event carried one (kept for the caller: the SDK never saw this event). */
  readonly providerMessage: string | undefined;

  constructor(event: unknown, type: string | undefined, providerMessage?: string) {
    super(ErrorCodes.STREAM_ERROR_EVENT, `The stream's first event was an error${type ? ` (${type})` : ''}${providerMessage ? `: ${providerMessage}` : '.'}`);
    this.providerMessage = providerMessage;
    this.event = event;
    this.type = type;
    this.status = (type && statusOfType[type]) || 500;
  }
}
