import { StreamErrorEventError } from '../errors/stream-error-event-error.js';

const blankLine = /\r?\n\r?\n/;

/**
 * The first event of a server-sent stream, as the SDKs' decoders see one: a block (up to a blank
 * line) with an `event:` or `data:` field. Comments (`: keep-alive`), `retry:` and `id:` lines
 * and empty blocks dispatch nothing, so they are skipped. Undefined until such a block is complete.
 */
export function firstEvent(text: string): { name: string | undefined; data: string } | undefined {
  let rest = text;
  for (let end = rest.search(blankLine); end >= 0; end = rest.search(blankLine)) {
    const block = rest.slice(0, end);
    rest = rest.slice(end).replace(/^\r?\n\r?\n/, '');
    let name: string | undefined;
    let data: string[] | undefined;
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) (data ??= []).push(line.slice(5).replace(/^ /, ''));
    }
    if (name !== undefined || data !== undefined) return { name, data: data?.join('\n') ?? '' };
  }
  return undefined;
}

function json(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Error types a first event can carry that another key (or a later try) may not meet: provider
 * trouble (OpenAI `server_error`, Anthropic `overloaded_error` / `api_error`), rate limits and
 * quota (`rate_limit_exceeded`, `rate_limit_error`, OpenAI's `requests` / `tokens`,
 * `insufficient_quota`), key rejections, and Gemini's `UNAVAILABLE`, `INTERNAL`,
 * `DEADLINE_EXCEEDED` and `RESOURCE_EXHAUSTED` (its `error.status`). Any other error — the caller's fault
 * (`invalid_request_error`, `context_length_exceeded`, …) or a type Keymesh does not know — is,
 * like any error without a status, the caller's.
 */
const movesOn = /^(server_error|api_error|overloaded_error|internal_error|internal_server_error|service_unavailable|timeout|rate_limit_exceeded|rate_limit_error|requests|tokens|insufficient_quota|authentication_error|invalid_api_key|permission_error|UNAVAILABLE|INTERNAL|DEADLINE_EXCEEDED|RESOURCE_EXHAUSTED)$/;

/**
 * Recognises a provider error sent as a stream's first event: Anthropic names it
 * (`event: error`), OpenAI sends `data: {"error": …}`. An error another key could escape fails
 * the attempt, so the request moves on. Any other is left in the stream (undefined here): the
 * SDK raises it as it does without Keymesh — once, as its own `APIError` with the provider's
 * code, param and message — and no other key is tried.
 */
export function errorInFirstEvent(text: string): StreamErrorEventError | undefined {
  const event = firstEvent(text);
  if (event === undefined) return undefined;
  // An ordinary first event (most streams) names no error: it is not parsed only to find none.
  if (event.name !== 'error' && !event.data.includes('"error"')) return undefined;
  const payload = json(event.data);
  // Wrapped (`{ error: { … } }`), or flat in a named error event (`event: error` + `{ type: 'error', code, message }`, OpenAI Responses).
  const error = (payload?.error ?? (event.name === 'error' ? payload : undefined)) as Record<string, unknown> | undefined;
  if (error === undefined) return undefined;
  const code = typeof error.code === 'string' ? error.code : undefined;
  // OpenAI and Anthropic name the error's `type` (OpenAI at times only its `code`); Gemini its `status`.
  const named = typeof error.type === 'string' && error.type !== 'error' ? error.type : undefined;
  const type = named ?? (typeof error.status === 'string' ? error.status : code);
  if (type === undefined || !movesOn.test(type)) return undefined;
  return new StreamErrorEventError(payload ?? event.data, type, typeof error.message === 'string' ? error.message : undefined);
}
