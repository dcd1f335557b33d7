/**
 * Server-sent events as the providers frame them. Each frame is one event the SDK yields, which
 * is what the stream faults count (`afterChunks`).
 */

/** Headers every provider's event stream carries. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
};

export interface SseFrameOptions {
  /** The `event:` field. Anthropic's SDK drops events without one, so its frames always name it. */
  readonly event?: string;
  /** Gemini terminates frames with CRLF; the others with LF. */
  readonly eol?: '\n' | '\r\n';
}

/** One SSE frame; `data` that is not a string is serialised as single-line JSON. */
export function sseFrame(data: unknown, options: SseFrameOptions = {}): string {
  const eol = options.eol ?? '\n';
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  // A multi-line payload needs one `data:` field per line to survive SSE parsing.
  const lines = payload.split(/\r\n|\r|\n/).map((line) => `data: ${line}${eol}`);
  return `${options.event === undefined ? '' : `event: ${options.event}${eol}`}${lines.join('')}${eol}`;
}

/** Splits reply text into stream pieces (one word and its trailing space each) that join back exactly. */
export function textPieces(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\s)(?=\S)/);
}
