/** A body fetch accepts. */
type RequestBody = RequestInit['body'];

/** One call to a `fetch`, read once and re-sendable on every attempt. */
export interface FetchCall {
  url: URL;
  method: string;
  /** The caller's headers; each attempt copies them and sets its own credential. */
  headers: Headers;
  /** A body every attempt can send again (a one-shot stream is buffered first). */
  body: RequestBody;
  /** The parsed JSON body, for the request readers; undefined for a body that is not JSON. */
  json: unknown;
  signal: AbortSignal | undefined;
  /** The rest of the caller's `RequestInit` (keepalive, dispatcher, …), passed on unchanged. */
  init: RequestInit;
}

/**
 * Reads `fetch(input, init)` the way fetch does — `init` wins over a `Request` input — into a
 * call that can be attempted several times.
 */
export async function readFetchCall(input: string | URL | Request, init: RequestInit | undefined): Promise<FetchCall> {
  const request = typeof input === 'object' && !(input instanceof URL) ? input : undefined;
  const url = new URL(request ? request.url : String(input));
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = new Headers(init?.headers ?? request?.headers);
  let body: RequestBody = init?.body ?? undefined;
  if (body === undefined && request !== undefined && request.body !== null) body = new Uint8Array(await request.arrayBuffer());
  // A stream can be read once; buffering it lets a retry send the same bytes again.
  else if (isOneShot(body)) body = new Uint8Array(await new Response(body).arrayBuffer());
  const signal = init?.signal ?? request?.signal ?? undefined;
  return { url, method, headers, body, json: parseJson(body), signal, init: init ?? {} };
}

function isOneShot(body: unknown): body is ReadableStream | AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && (body instanceof ReadableStream || Symbol.asyncIterator in body);
}

/** Frameworks send JSON bodies as strings (the AI SDK, the openai and anthropic SDKs). */
function parseJson(body: RequestBody): unknown {
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = new TextDecoder().decode(body);
  if (text === undefined || (text[0] !== '{' && text.trimStart()[0] !== '{')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
