import { HttpStatusError } from '../http/http-status-error.js';

/**
 * A non-2xx answer to a `keymeshFetch` call, thrown inside the attempt so the pool classifies it
 * with the provider's classifier; when the request ends on it, the caller gets `response` (a
 * `Response` with the same status, headers and redacted body), as from `fetch`. Shaped like the
 * provider SDK's error (`error` is the parsed body as the SDK exposes it; the message carries the
 * body text, as genai's `ApiError` does), so the classifiers read it as they read the SDKs'.
 * Holds no secret: the body is redacted before it is kept.
 */
export class UpstreamStatusError extends HttpStatusError {
  /** The provider's error body as its SDK exposes it (openai: the inner `error` object; anthropic, gemini: the whole body). */
  readonly error: unknown;
  /** What the caller receives when the request ends on this answer. */
  readonly response: Response;

  constructor(init: { status: number; headers: Headers; body: string; method: string; url: string; error: unknown; response: Response }) {
    super(init);
    this.message = `${init.method} ${init.url} answered ${init.status}: ${init.body}`;
    this.error = init.error;
    this.response = init.response;
  }
}
