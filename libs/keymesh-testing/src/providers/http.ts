import { retryAfterSeconds } from '../hint-format.js';
import type { RateState } from '../rate-window.js';
import { SSE_HEADERS, sseFrame, textPieces } from '../sse.js';
import type { CredentialSource, ProviderWire, WireContext, WireRequest, WireResponse } from '../wire.js';
import { json } from './common.js';

/** Where a generic HTTP API expects its key. */
export type HttpAuth = 'bearer' | { readonly header: string } | { readonly query: string };

const CODES: Readonly<Record<number, readonly [code: string, message: string]>> = {
  400: ['bad_request', 'The request is invalid.'],
  401: ['unauthorized', 'The API key is not valid.'],
  403: ['forbidden', 'The API key may not use this resource.'],
  404: ['not_found', 'Not found.'],
  409: ['conflict', 'Conflict.'],
  422: ['unprocessable_entity', 'The request cannot be processed.'],
  429: ['rate_limited', 'Too many requests.'],
  500: ['internal_error', 'Internal server error.'],
  502: ['bad_gateway', 'Bad gateway.'],
  503: ['unavailable', 'Service unavailable.'],
  504: ['timeout', 'Gateway timeout.'],
  529: ['overloaded', 'Overloaded.'],
};

function errorResponse(status: number, code: string, message: string, ctx: WireContext, headers: Record<string, string> = {}): WireResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': ctx.requestId, ...headers },
    body: { error: { status, code, message } },
  };
}

/** The IETF draft `RateLimit-*` fields; reset is delta-seconds. */
function rateHeaders(rate: RateState, resetMs: number): Record<string, string> {
  return { 'ratelimit-limit': String(rate.limit), 'ratelimit-remaining': String(rate.remaining), 'ratelimit-reset': retryAfterSeconds(resetMs) };
}

function credentialSource(auth: HttpAuth): CredentialSource {
  if (auth === 'bearer') return { header: 'authorization', scheme: 'bearer' };
  if ('header' in auth) return { header: auth.header.toLowerCase() };
  return { query: auth.query };
}

function isStream(req: WireRequest): boolean {
  const flag = req.query.get('stream');
  return flag === '1' || flag === 'true' || String(req.headers.accept ?? '').includes('text/event-stream');
}

/** A generic JSON API: every path answers, so any client built on `fetch` can be pointed at it. */
export function httpWire(auth: HttpAuth = 'bearer'): ProviderWire {
  return {
    name: 'http',
    basePath: '',
    credentialSources: [credentialSource(auth)],
    defaultHints: ['retry-after', 'reset-headers'],
    isStream,
    route(req, ctx) {
      if (isStream(req)) {
        const frames = textPieces(ctx.text).map((delta, index) => sseFrame({ index, delta }));
        return { type: 'stream', headers: SSE_HEADERS, frames, terminator: sseFrame('[DONE]') };
      }
      const body = { ok: true, method: req.method, path: req.path, query: Object.fromEntries(req.query), body: req.body };
      return json({ status: 200, headers: { 'content-type': 'application/json' }, body });
    },
    successHeaders: (rate, ctx) => ({ 'x-request-id': ctx.requestId, ...(rate ? rateHeaders(rate, rate.resetMs) : {}) }),
    rateLimited({ rate, retryAfterMs, hints }, ctx) {
      const headers: Record<string, string> = {};
      if (hints.has('retry-after')) headers['retry-after'] = retryAfterSeconds(retryAfterMs);
      if (hints.has('retry-after-ms')) headers['retry-after-ms'] = String(Math.ceil(retryAfterMs));
      if (hints.has('reset-headers')) Object.assign(headers, rateHeaders({ ...rate, remaining: 0 }, retryAfterMs));
      return errorResponse(429, 'rate_limited', `Rate limit of ${rate.limit} requests exceeded.`, ctx, headers);
    },
    quota: (ctx) => errorResponse(429, 'quota_exceeded', 'The quota for this API key is used up.', ctx),
    invalidKey: (key, ctx) =>
      key === undefined
        ? errorResponse(401, 'missing_api_key', 'No API key was sent.', ctx)
        : errorResponse(401, 'invalid_api_key', 'The API key is not valid.', ctx),
    status(status, ctx) {
      const [code, message] = CODES[status] ?? [status >= 500 ? 'server_error' : 'client_error', `Request failed with status ${status}.`];
      return errorResponse(status, code, message, ctx);
    },
    streamError: (ctx) => ({
      frame: sseFrame({ error: { status: 503, code: 'unavailable', message: 'Service unavailable.' } }, { event: 'error' }),
      response: errorResponse(503, 'unavailable', 'Service unavailable.', ctx),
    }),
  };
}
