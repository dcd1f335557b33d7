import { request, type ClientRequest } from 'node:http';

export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Reads a server-sent event stream as it arrives (supertest would wait for the end, and
 * /events never ends). `next(predicate)` resolves with the first message, already received or
 * to come, that matches.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  raw = '';
  private buffer = '';
  private waiters: Array<{ predicate: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }> = [];
  private readonly req: ClientRequest;
  readonly response: Promise<{ status: number; headers: Record<string, unknown> }>;

  constructor(origin: string, path: string, init: { method?: string; body?: unknown } = {}) {
    const url = new URL(path, origin);
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    this.req = request(url, { method: init.method ?? 'GET', headers: body ? { 'content-type': 'application/json' } : {} });
    this.response = new Promise((resolve, reject) => {
      this.req.on('error', reject);
      this.req.on('response', (res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.push(chunk));
        res.on('error', () => undefined);
        res.on('close', () => this.ended.forEach((callback) => callback()));
      });
    });
    // Awaited by the tests that care; a connection dropped later must not be an unhandled rejection.
    this.response.catch(() => undefined);
    this.req.end(body);
  }

  next(predicate: (m: SseMessage) => boolean = () => true, timeoutMs = 5_000): Promise<SseMessage> {
    const seen = this.messages.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching SSE message within ${timeoutMs} ms; got ${this.messages.length}`)), timeoutMs);
      this.waiters.push({ predicate, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  private readonly ended: Array<() => void> = [];

  /** Called when the server ends the stream (or the connection drops). */
  onEnd(callback: () => void): void {
    this.ended.push(callback);
  }

  /** Drops the connection, as a closed tab does. */
  close(): void {
    this.req.destroy();
  }

  private push(chunk: string): void {
    this.raw += chunk;
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const message: SseMessage = { event: 'message', data: '' };
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) message.event = line.slice(6).trim();
        else if (line.startsWith('data:')) message.data += (message.data ? '\n' : '') + line.slice(5).trimStart();
      }
      if (!message.data && message.event === 'message') continue; // comments, ids
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => (w.predicate(message) ? (w.resolve(message), false) : true));
    }
  }
}

/** Polls `read` until `check` accepts its value (for state that changes without a reply to wait on). */
export async function eventually<T>(read: () => Promise<T> | T, check: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
