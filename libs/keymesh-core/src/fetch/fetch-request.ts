import { replayableBody } from '../adapters/replayable-body.js';

/** A body fetch accepts. */
type RequestBody = RequestInit['body'];

/** One call to a `fetch`, read once and re-sendable on every attempt. */
export interface FetchCall {
  url: URL;
  method: string;
  /** The caller's headers, names lower-cased; each attempt sets its own credential on them. */
  headers: Record<string, string>;
  /** A body every attempt can send again, unless `replayable` is false (a stream too large to keep a copy of). */
  body: RequestBody;
  replayable: boolean;
  /** The parsed JSON body, for the request readers; undefined for a body that is not JSON. */
  json: unknown;
  signal: AbortSignal | undefined;
  /** The rest of the caller's `RequestInit` (keepalive, dispatcher, …), passed on unchanged. */
  init: RequestInit;
}

/**
 * Reads `fetch(input, init)` the way fetch does — `init` wins over a `Request` input — into a
 * call that can be attempted several times: a one-shot stream body is buffered (up to
 * `maxReplayBodyBytes`, as the SDK adapters do).
 */
export async function readFetchCall(
  input: string | URL | Request,
  init: RequestInit | undefined,
  options: { maxReplayBodyBytes: number | undefined; dropHeaders: ReadonlySet<string> },
): Promise<FetchCall> {
  const request = typeof input === 'object' && !(input instanceof URL) ? input : undefined;
  const url = new URL(request ? request.url : String(input));
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = headerRecord(init?.headers ?? request?.headers, options.dropHeaders);
  let source: unknown = init?.body ?? undefined;
  if (source === undefined && request !== undefined && request.body !== null) source = request.body;
  const { body, replayable } = await replayableBody(source, options.maxReplayBodyBytes);
  const signal = init?.signal ?? request?.signal ?? undefined;
  return { url, method, headers, body: body as RequestBody, replayable, json: parseJson(body), signal, init: init ?? {} };
}

/**
 * The headers as a plain object with lower-case names, without those in `drop` (the credentials
 * frameworks set, which the pooled key replaces): what the AI SDK passes already, and one
 * conversion (by undici, at the call) instead of a `Headers` built here and copied again there.
 */
function headerRecord(init: RequestInit['headers'], drop: ReadonlySet<string>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (init === undefined || init === null) return headers;
  const entries = init instanceof Headers || Array.isArray(init) ? init : Object.entries(init);
  for (const [name, value] of entries as Iterable<[string, string]>) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (drop.has(key)) continue;
    // Repeated names are joined, as Headers does.
    headers[key] = key in headers ? `${headers[key]}, ${value}` : String(value);
  }
  return headers;
}

/** Frameworks send JSON bodies as strings (the AI SDK, the openai and anthropic SDKs). */
function parseJson(body: unknown): unknown {
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = new TextDecoder().decode(body);
  if (text === undefined || text.trimStart()[0] !== '{') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
