/**
 * A loopback HTTP server whose answers a test scripts per request, for wire details the fake
 * providers do not produce on purpose (SSE comments before an error event, a caller-fault error
 * as a stream's first event, a first event held back until the test releases it, Azure's
 * `api-key` header). Real sockets; every request is recorded with its headers and body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The credential the request carried: a Bearer token, or Azure's `api-key`. */
  key: string | undefined;
}

/** Answers one request; it may write the response in several steps (and wait in between). */
export type Answer = (request: ScriptedRequest, response: ServerResponse) => void | Promise<void>;

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  /** Requests made with `key`. */
  countFor(key: string): number;
  close(): Promise<void>;
}

export async function startScriptedServer(answer: Answer): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const auth = req.headers.authorization;
      const apiKey = req.headers['api-key'];
      const key = typeof apiKey === 'string' ? apiKey : auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), key };
      requests.push(request);
      open.add(res);
      res.on('close', () => open.delete(res));
      Promise.resolve(answer(request, res)).catch((error: unknown) => res.destroy(error as Error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    countFor: (key) => requests.filter((r) => r.key === key).length,
    close: async () => {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** A JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** An OpenAI chat completion body. */
export function completion(text: string) {
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  };
}

/** OpenAI chat completion chunks of `text` (one per word) and the `[DONE]` terminator, as SSE frames. */
export function chunkFrames(text: string): string[] {
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  return [chunk({ role: 'assistant', content: '' }), ...text.split(/(?= )/).map((piece) => chunk({ content: piece })), chunk({}, 'stop'), 'data: [DONE]\n\n'];
}

/** A promise and the function that settles it: lets a server hold a frame until the test says so. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
