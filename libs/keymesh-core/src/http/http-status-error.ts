import { ErrorCodes, KeymeshError } from '../errors/keymesh-error.js';

/** Most of an error body worth keeping: enough for a provider's JSON error, not a whole HTML page. */
export const maxErrorBodyLength = 64 * 1024;

/**
 * A non-2xx answer that says something about the key or the provider (429, 401, 403, 408, 5xx),
 * thrown so the pool can classify it. Caller-fault statuses (400, 404, 422, …) are returned as
 * a `Response`, as `fetch` does.
 */
export class HttpStatusError extends KeymeshError {
  readonly status: number;
  readonly headers: Headers;
  /** The response body as text, cut at 64 KiB. */
  readonly body: string;
  readonly method: string;
  /** The request URL without any credential query parameter. */
  readonly url: string;

  constructor(init: { status: number; headers: Headers; body: string; method: string; url: string }) {
    super(ErrorCodes.HTTP_STATUS, `${init.method} ${init.url} answered ${init.status}.`);
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.method = init.method;
    this.url = init.url;
  }
}
