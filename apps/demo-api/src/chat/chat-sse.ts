import { once } from 'node:events';
import type { Response } from 'express';
import type { ChatStream } from './chat.types.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Proxies such as nginx would otherwise hold chunks back.
  'x-accel-buffering': 'no',
};

/**
 * Writes a streamed answer as server-sent events: `data: {"text": "…"}` per chunk, then
 * `event: end` with the provider and model. The status is committed only now, after the first
 * chunk arrived; an error past this point can only be reported in-band (`event: error`).
 */
export async function writeChatSse(res: Response, answer: ChatStream, signal: AbortSignal): Promise<void> {
  res.writeHead(200, SSE_HEADERS);
  // Commit now: the first chunk may carry no text (anthropic opens with message_start).
  res.flushHeaders();
  try {
    for await (const text of answer.chunks) {
      // Respect backpressure; a client that leaves meanwhile aborts the wait.
      if (!res.write(`data: ${JSON.stringify({ text })}\n\n`)) await once(res, 'drain', { signal });
    }
    if (signal.aborted) return void res.end();
    res.end(`event: end\ndata: ${JSON.stringify({ provider: answer.provider, model: answer.model })}\n\n`);
  } catch (error) {
    // The caller left: the upstream call is already aborted and nobody is listening.
    if (signal.aborted) return void res.end();
    // The status is long sent: a problem body in-band, in the demo's own words (the provider's may quote a key).
    const problem = { type: 'https://keymesh.dev/problems/upstream-failed', title: `The ${answer.provider} answer was cut off mid-stream; try again`, status: 502 };
    res.end(`event: error\ndata: ${JSON.stringify(problem)}\n\n`);
  }
}
