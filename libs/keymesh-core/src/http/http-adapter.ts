import type { KeymeshAdapter } from '../adapters/adapter.js';
import { classifyStatus } from '../classify/default-classifier.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import type { KeyPool } from '../pool/key-pool.js';
import { markFinal } from '../adapters/final-attempt.js';
import { redactText } from '../adapters/redact.js';
import { replayableBody } from '../adapters/replayable-body.js';
import { HttpStatusError, maxErrorBodyLength } from './http-status-error.js';
import { parseBaseUrl, resolvePath } from './safe-url.js';

/** Where the key goes: `Authorization: Bearer`, a header of its own, or a query parameter. */
export type HttpAuth = 'bearer' | { header: string; prefix?: string } | { query: string };

export interface HttpAdapterOptions {
  /** Every request goes to this origin and under this path; nothing else ever receives a key. */
  baseURL: string;
  auth: HttpAuth;
  /** A fetch implementation; defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/** The client `createKeymesh` returns for an HTTP API. */
export interface HttpClient {
  readonly baseURL: string;
  /**
   * `fetch` relative to `baseURL`, through the pool. 2xx and caller-fault statuses resolve to the
   * `Response`; 429 / 401 / 403 / 408 / 5xx are rotated or retried and, when attempts run out,
   * reject with `HttpStatusError`. Redirects are returned, not followed, so a key never travels
   * to another host.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export function httpAdapter(options: HttpAdapterOptions): KeymeshAdapter<unknown, HttpClient> {
  const base = parseBaseUrl(options?.baseURL);
  const auth = checkAuth(options.auth);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return {
    name: 'http',
    wrap: (pool, _client, wrapOptions) => new PooledHttpClient(pool, base, auth, fetchImpl, wrapOptions.maxReplayBodyBytes),
  };
}

class PooledHttpClient implements HttpClient {
  constructor(
    private readonly pool: KeyPool,
    private readonly base: URL,
    private readonly auth: HttpAuth,
    private readonly fetchImpl: typeof fetch,
    private readonly maxReplayBodyBytes: number | undefined,
  ) {}

  get baseURL(): string {
    return this.base.href;
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = resolvePath(this.base, path);
    const method = (init.method ?? 'GET').toUpperCase();
    // A stream can be read once; a copy (within maxReplayBodyBytes) lets a retry send the same bytes again.
    const { body, replayable } = await replayableBody(init.body, this.maxReplayBodyBytes);
    const signal = init.signal ?? undefined;
    return this.pool.execute(
      async (key, ctx) => {
        const headers = new Headers(init.headers);
        const target = new URL(url);
        if (this.auth === 'bearer') headers.set('authorization', `Bearer ${key.secret}`);
        else if ('header' in this.auth) headers.set(this.auth.header, `${this.auth.prefix ?? ''}${key.secret}`);
        else target.searchParams.set(this.auth.query, key.secret);
        let response: Response;
        try {
          response = await this.fetchImpl(target, { ...init, body: body as RequestInit["body"], headers, method, signal: ctx.signal, redirect: 'manual', ...(replayable ? {} : { duplex: 'half' }) } as RequestInit);
        } catch (error) {
          if (!replayable) markFinal(error);
          throw error;
        }
        if (response.ok) {
          ctx.observe(response.headers);
          return response;
        }
        if (response.status < 400 || classifyStatus(response.status) === 'caller_fault') return response;
        // Providers echo keys back in error bodies: the kept text never holds the secret.
        const error = new HttpStatusError({ status: response.status, headers: response.headers, body: await readRedacted(response, key.secret), method, url: url.href });
        if (!replayable) markFinal(error);
        throw error;
      },
      signal ? { signal } : undefined,
    );
  }
}

function checkAuth(auth: unknown): HttpAuth {
  if (auth === 'bearer') return auth;
  if (typeof auth === 'object' && auth !== null) {
    const { header, query } = auth as { header?: unknown; query?: unknown };
    if (typeof header === 'string' && /^[!#$%&'*+.^_`|~\w-]+$/.test(header)) return auth as HttpAuth;
    if (typeof query === 'string' && query !== '') return auth as HttpAuth;
  }
  throw new ConfigError(ErrorCodes.INVALID_OPTION, "`auth` must be 'bearer', { header: 'x-api-key' } or { query: 'key' }.", 'auth');
}

/** The error body, redacted whole and then cut (a key straddling the cut would otherwise survive in part). */
async function readRedacted(response: Response, secret: string): Promise<string> {
  try {
    const text = redactText(await response.text(), secret);
    return text.length > maxErrorBodyLength ? text.slice(0, maxErrorBodyLength) : text;
  } catch {
    return '';
  }
}
