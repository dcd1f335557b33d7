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
 * Error types that say the request itself is wrong (OpenAI `invalid_request_error`,
 * `context_length_exceeded`; Anthropic `invalid_request_error`, `not_found_error`,
 * `request_too_large`): another key would get the same answer.
 */
const callerFault = /^(invalid_request_error|context_length_exceeded|not_found_error|request_too_large|invalid_prompt|unsupported_(value|parameter)|model_not_found)$/;

/**
 * Recognises a provider error sent as a stream's first event: Anthropic names it
 * (`event: error`), OpenAI sends `data: {"error": …}`. A caller-fault error is left in the
 * stream (undefined here): the SDK raises it as it does without Keymesh — once, as its own
 * `APIError` with the provider's code, param and message — and no other key is tried. Any other
 * error fails the attempt, so the request moves on.
 */
export function errorInFirstEvent(text: string): StreamErrorEventError | undefined {
  const event = firstEvent(text);
  if (event === undefined) return undefined;
  const payload = json(event.data);
  const error = (payload?.error ?? undefined) as Record<string, unknown> | undefined;
  if (event.name !== 'error' && error === undefined) return undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const type = typeof error?.type === 'string' ? error.type : code;
  if ((type !== undefined && callerFault.test(type)) || (code !== undefined && callerFault.test(code))) return undefined;
  return new StreamErrorEventError(payload ?? event.data, type, typeof error?.message === 'string' ? error.message : undefined);
}
