import type { AdapterOptions, KeymeshAdapter } from '../adapters/adapter.js';
import { reportUsage } from '../adapters/answer-usage.js';
import { markFinal } from '../adapters/final-attempt.js';
import { redactError, redactText } from '../adapters/redact.js';
import { settleResponse, type StreamFailover } from '../adapters/response-guard.js';
import { errorInFirstEvent } from '../adapters/sse-first-event.js';
import { streamFailoverHeader, streamFailoverOf } from '../adapters/stream-failover.js';
import { isPoolExhaustedError } from '../errors/pool-exhausted-error.js';
import { exhaustedResponse } from '../health/exhausted-response.js';
import { maxErrorBodyLength } from '../http/http-status-error.js';
import { UnsafeUrlError } from '../http/safe-url.js';
import type { AttemptContext } from '../pool/attempt-context.js';
import type { KeyPool } from '../pool/key-pool.js';
import type { PoolKey } from '../pool/pool-key.js';
import type { ProviderName } from '../request/provider-reader.js';
import { readRequestInfo } from '../request/read-request.js';
import { readFetchCall, type FetchCall } from './fetch-request.js';
import { fetchProviders, type FetchProvider } from './fetch-providers.js';
import { UpstreamStatusError } from './upstream-status-error.js';
import { upstreamSignal } from '../adapters/upstream-signal.js';

export interface FetchAdapterSettings {
  provider: ProviderName;
  /** The only origin (and path) keys are sent to. */
  base: URL;
  fetch: typeof fetch;
}

/** Responses a request ends on when its last attempt failed in a way `fetch` answers rather than rejects. */
const finalAnswers = new WeakMap<object, Response>();

/** The adapter behind `keymeshFetch`: its "client" is a `fetch` whose calls go through the pool. */
export function fetchAdapter(settings: FetchAdapterSettings): KeymeshAdapter<unknown, typeof fetch> {
  const provider = fetchProviders[settings.provider];
  return {
    name: settings.provider,
    classify: provider.classify,
    wrap: (pool, _client, options) => pooledFetch(pool, provider, settings, options),
  };
}

function pooledFetch(pool: KeyPool, provider: FetchProvider, settings: FetchAdapterSettings, options: AdapterOptions): typeof fetch {
  const basePath = settings.base.pathname.replace(/\/+$/, '');
  const dropHeaders = new Set([...provider.foreignHeaders, provider.credentialHeader]);
  return async function keymeshFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const call = await readFetchCall(input, init, { maxReplayBodyBytes: options.maxReplayBodyBytes, dropHeaders });
    refuseForeign(call.url, settings.base, basePath);
    if (provider.foreignQuery !== undefined && call.url.search !== '' && call.url.searchParams.has(provider.foreignQuery)) call.url.searchParams.delete(provider.foreignQuery);
    // Read by Keymesh, never sent: the request's own choice of where its stream stops failing over.
    let failover = options.streamFailover ?? 'first-event';
    if (streamFailoverHeader in call.headers) {
      failover = streamFailoverOf(call.headers, failover);
      delete call.headers[streamFailoverHeader];
    }
    const info = readRequestInfo(settings.provider, call.url.pathname, call.json, options.requestCost);
    try {
      return await pool.execute((key, ctx) => attempt(call, key, ctx, provider, settings, options, failover), {
        signal: call.signal,
        scope: info.model,
        cost: info.cost,
      });
    } catch (error) {
      if (error instanceof UpstreamStatusError) return error.response;
      const final = typeof error === 'object' && error !== null ? finalAnswers.get(error) : undefined;
      if (final !== undefined) return final;
      if (isPoolExhaustedError(error)) {
        const problem = exhaustedResponse(error);
        return new Response(JSON.stringify(problem.body), { status: problem.status, headers: problem.headers });
      }
      throw error;
    }
  };
}

/** Keys go to the configured origin and path only: anything else is refused before a key is chosen. */
function refuseForeign(url: URL, base: URL, basePath: string): void {
  const inside = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
  if (url.origin === base.origin && inside) return;
  throw new UnsafeUrlError(
    `${url.origin}${url.pathname} is outside ${base.origin}${basePath}.`,
    'keymeshFetch sends keys only to its `baseURL` (default: the provider’s official origin); set `baseURL` to the origin your client calls.',
  );
}

async function attempt(
  call: FetchCall,
  key: PoolKey,
  ctx: AttemptContext,
  provider: FetchProvider,
  settings: FetchAdapterSettings,
  options: AdapterOptions,
  failover: StreamFailover,
): Promise<Response> {
  // Attempts of one call run one after the other, so they can share the call's headers.
  call.headers[provider.credentialHeader] = provider.credential(key.secret);
  try {
    const response = await settings.fetch(call.url, {
      ...call.init,
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: upstreamSignal(call.signal, ctx.signal),
      // A redirect must not carry the key to another host: it is answered as it is.
      redirect: 'manual',
    });
    if (response.status >= 400) throw await statusError(response, call, key, provider, options);
    if (response.status >= 300) return response;
    ctx.observe(response.headers);
    const stream = isEventStream(response);
    return await settleResponse(response, {
      stream,
      idleTimeoutMs: options.idleTimeoutMs,
      inspectFirstEvent: stream ? (text) => firstEventError(text, response, key) : undefined,
      streamFailover: failover,
      // A stream's usage comes at its end, after the attempt: only non-stream answers report it.
      onBody: stream || !isJson(response) ? undefined : (body) => reportUsage(ctx, settings.provider, body),
    });
  } catch (error) {
    redactError(error, key.secret);
    // A streamed request body too large to keep a copy of is consumed: no second attempt.
    if (!call.replayable) markFinal(error);
    throw error;
  }
}

function isEventStream(response: Response): boolean {
  return response.headers.get('content-type')?.includes('text/event-stream') === true;
}

function isJson(response: Response): boolean {
  return response.headers.get('content-type')?.includes('json') === true;
}

/**
 * A non-2xx answer, its body read inside the attempt (within the idle timeout) and redacted, as
 * an error the provider's classifier reads; the caller gets its `response` if the request ends here.
 */
async function statusError(response: Response, call: FetchCall, key: PoolKey, provider: FetchProvider, options: AdapterOptions): Promise<UpstreamStatusError> {
  const settled = await settleResponse(response, { stream: false, idleTimeoutMs: options.idleTimeoutMs });
  // Redacted whole, then cut: a key straddling the cut would otherwise survive in part. The
  // caller's answer keeps the whole (redacted) body, so its SDK can still parse a long one.
  const redacted = redactText(await settled.text(), key.secret);
  const text = redacted.length > maxErrorBodyLength ? redacted.slice(0, maxErrorBodyLength) : redacted;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return new UpstreamStatusError({
    status: response.status,
    headers: response.headers,
    body: text,
    method: call.method,
    url: `${call.url.origin}${call.url.pathname}`,
    error: provider.sdkErrorBody(body),
    response: answer(response, redacted),
  });
}

/**
 * A stream whose first event is the provider's error fails over; when it is the last attempt,
 * the caller gets that event (redacted) on the stream's own status, so the framework raises the
 * error it raises for it.
 */
function firstEventError(text: string, response: Response, key: PoolKey): Error | undefined {
  const error = errorInFirstEvent(text);
  if (error !== undefined) finalAnswers.set(error, answer(response, redactText(text, key.secret)));
  return error;
}

/** `response` with `text` as its body; length and encoding headers go, as they describe the old body. */
function answer(response: Response, text: string): Response {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}
