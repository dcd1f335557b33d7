import { StreamErrorEventError } from '../errors/stream-error-event-error.js';

/** The `event:` name and joined `data:` of one server-sent event. */
function parseEvent(text: string): { name: string | undefined; data: string } {
  let name: string | undefined;
  const data: string[] = [];
  // A chunk may carry several events: only the first one, up to its blank line, counts.
  const first = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  for (const line of first.split(/\r?\n/)) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return { name, data: data.join('\n') };
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
 * Recognises a provider error sent as a stream's first event: Anthropic names it
 * (`event: error`), OpenAI sends `data: {"error": …}`.
 */
export function errorInFirstEvent(text: string): StreamErrorEventError | undefined {
  const { name, data } = parseEvent(text);
  const payload = json(data);
  const error = (payload?.error ?? undefined) as Record<string, unknown> | undefined;
  if (name !== 'error' && error === undefined) return undefined;
  const type = typeof error?.type === 'string' ? error.type : typeof error?.code === 'string' ? error.code : undefined;
  return new StreamErrorEventError(payload ?? data, type);
}
