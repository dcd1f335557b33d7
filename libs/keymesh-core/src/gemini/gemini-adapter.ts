import type { AdapterOptions, KeymeshAdapter } from '../adapters/adapter.js';
import { reportUsage } from '../adapters/answer-usage.js';
import { redactError } from '../adapters/redact.js';
import { readRequestInfo } from '../request/read-request.js';
import { settleResponse, type StreamFailover } from '../adapters/response-guard.js';
import { checkStreamFailover, streamFailoverHeader } from '../adapters/stream-failover.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import type { AttemptContext } from '../pool/attempt-context.js';
import type { KeyPool } from '../pool/key-pool.js';
import { classifyGemini } from './classify-gemini.js';
import { upstreamSignal } from '../adapters/upstream-signal.js';

type FetchFn = typeof fetch;
/** genai's transport: `(url, requestInit, method, retryOptions, timeout, abortSignal, fetchFn)`. */
type ApiCall = (url: URL | string, init: RequestInit, method: string, retryOptions: unknown, timeout: unknown, signal: AbortSignal | undefined, fetchFn: FetchFn | undefined) => Promise<unknown>;

interface GenAIClient {
  apiClient: { unaryApiCall: ApiCall; streamApiCall: ApiCall };
  models: { generateContent: unknown };
}

const pooled = new WeakSet<object>();

function isGenAIClient(client: unknown): client is GenAIClient {
  const c = client as Partial<GenAIClient> | null;
  return typeof c === 'object' && c !== null && typeof c.apiClient?.unaryApiCall === 'function' && typeof c.apiClient.streamApiCall === 'function' && typeof c.models?.generateContent === 'function';
}

/**
 * Routes a `@google/genai` client through the pool. Every genai call goes through its
 * `apiClient.unaryApiCall` / `streamApiCall`; routing those covers `generateContent`,
 * `generateContentStream`, pagers and the rest. genai has no way to clone a client, so the client
 * passed in is itself routed (and returned): create it for Keymesh, e.g.
 * `new GoogleGenAI({ apiKey: 'unused' })`.
 */
export const geminiAdapter: KeymeshAdapter<object, object> = {
  name: 'gemini',
  matches: isGenAIClient,
  classify: classifyGemini,
  wrap(pool, client, options) {
    if (!isGenAIClient(client)) throw new ConfigError(ErrorCodes.UNSUPPORTED_CLIENT, 'Expected a @google/genai client.', 'client');
    const api = client.apiClient;
    if (pooled.has(api)) throw new ConfigError(ErrorCodes.CLIENT_ALREADY_POOLED, 'This GoogleGenAI client is already routed through a Keymesh pool.', 'client');
    api.unaryApiCall = routed(api.unaryApiCall, pool, options, false);
    api.streamApiCall = routed(api.streamApiCall, pool, options, true);
    pooled.add(api);
    return client;
  },
};

function routed(call: ApiCall, pool: KeyPool, options: AdapterOptions, stream: boolean): ApiCall {
  return function pooledApiCall(this: unknown, url, init, method, _retryOptions, timeout, signal, fetchFn) {
    // The scope is the model in the path; the cost, the token estimate of the JSON body genai built.
    const info = readRequestInfo('gemini', typeof url === 'string' ? url : url.pathname, jsonOf(init.body), options.requestCost);
    return pool.execute(
      async (key, ctx) => {
        const headers = new Headers(init.headers);
        headers.set('x-goog-api-key', key.secret);
        // The per-request stream switch is read here and never sent.
        const requested = headers.get(streamFailoverHeader);
        if (requested !== null) headers.delete(streamFailoverHeader);
        const failover = requested !== null && stream ? checkStreamFailover(requested, `headers['${streamFailoverHeader}']`) : (options.streamFailover ?? 'first-event');
        try {
          // No genai retries (one retry owner); the fetch settles the body inside the attempt.
          const result = await call.call(this, url, { ...init, headers }, method, undefined, timeout, upstreamSignal(signal, ctx.signal), settlingFetch(fetchFn, ctx, options, stream, failover));
          // A stream's first item (not just its first bytes) is taken inside the attempt: an error
          // event or a dropped connection before any item reaches the caller still fails over.
          return stream && failover === 'first-event' ? await withFirstItem(result as AsyncIterable<unknown>) : result;
        } catch (error) {
          redactError(error, key.secret);
          throw error;
        }
      },
      { signal, scope: info.model, cost: info.cost },
    );
  };
}

function jsonOf(body: RequestInit['body']): unknown {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function settlingFetch(fetchFn: FetchFn | undefined, ctx: AttemptContext, options: AdapterOptions, stream: boolean, streamFailover: StreamFailover): FetchFn {
  const base = fetchFn ?? globalThis.fetch;
  return async (input, init) => {
    const response = await base(input, init);
    if (!response.ok) return response;
    ctx.observe(response.headers);
    return settleResponse(response, {
      stream,
      idleTimeoutMs: options.idleTimeoutMs,
      streamFailover,
      // A stream's usage comes with its last chunk, after the attempt: only non-stream answers report it.
      onBody: stream ? undefined : (answer) => reportUsage(ctx, 'gemini', answer),
    });
  };
}

/** Reads a stream's first item now; the returned generator yields it, then the rest. */
async function withFirstItem<T>(items: AsyncIterable<T>): Promise<AsyncGenerator<T, void, undefined>> {
  const iterator = items[Symbol.asyncIterator]();
  const first = await iterator.next();
  return (async function* () {
    let finished = first.done === true;
    try {
      if (finished) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      finished = true;
    } finally {
      // The caller stopped early (break / return / throw): let genai release the body reader.
      if (!finished) await iterator.return?.(undefined).catch(() => {});
    }
  })();
}
