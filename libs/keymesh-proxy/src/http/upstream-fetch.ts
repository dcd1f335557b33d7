import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * The `fetch` the proxy gives keymeshFetch for its upstream calls: one `node:http(s)` request on a
 * keep-alive agent, answered as a `Response`. undici's `fetch` runs the whole Fetch standard per
 * call (a `Request`, its body and header validation, the fetch algorithm's steps), which cost the
 * proxy about twice the CPU of a plain request per upstream call; the proxy needs none of it:
 * keymeshFetch sends a URL, a method, a header object and a buffered body, and handles
 * redirects, timeouts and failover itself. It keeps what keymeshFetch relies on:
 * - never follows a redirect (the key must not travel to another host): a 3xx is answered as it is;
 * - socket errors reject with their code (`ECONNREFUSED`, `ECONNRESET`, …) and a body cut
 *   mid-way errors its stream the same way, so the pool classifies both as provider trouble;
 * - the signal aborts the call and the body, rejecting with its reason;
 * - compressed bodies are decoded, as `fetch` does;
 * - no answer headers within `headersTimeoutMs` (undici's default, 300 s) fails with `ETIMEDOUT`.
 * Anything it does not carry (a streamed request body, another scheme) goes to the global `fetch`.
 */
export interface UpstreamFetch {
  fetch: typeof fetch;
  /** Closes the idle keep-alive connections. */
  close(): void;
}

const nullBodyStatus = new Set([101, 103, 204, 205, 304]);

export function upstreamFetch(options: { headersTimeoutMs?: number } = {}): UpstreamFetch {
  const headersTimeoutMs = options.headersTimeoutMs ?? 300_000;
  const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

  const lean = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = init?.body;
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || !(body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array)) {
      return globalThis.fetch(input, init);
    }
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const method = init?.method ?? 'GET';
    return new Promise<Response>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, { method, headers: headerObject(init?.headers), agent: agents[url.protocol as 'http:' | 'https:'] });
      let answer: IncomingMessage | undefined;
      const onAbort = () => {
        request.destroy(signal!.reason instanceof Error ? signal!.reason : undefined);
        answer?.destroy(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      request.setTimeout(headersTimeoutMs, () => request.destroy(Object.assign(new Error('no answer headers within the timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (error) => {
        done();
        reject(error);
      });
      request.on('response', (response) => {
        answer = response;
        request.setTimeout(0);
        const status = response.statusCode ?? 502;
        const headers = new Headers();
        const raw = response.rawHeaders;
        for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
        if (method === 'HEAD' || nullBodyStatus.has(status)) {
          response.resume();
          done();
          return resolve(new Response(null, { status, statusText: response.statusMessage, headers }));
        }
        resolve(new Response(bodyStream(response, done), { status, statusText: response.statusMessage, headers }));
      });
      request.end(body ?? undefined);
    });
  };

  return {
    fetch: lean as typeof fetch,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** keymeshFetch passes a plain object; anything else a `fetch` takes is read into one. */
function headerObject(headers: RequestInit['headers']): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (headers instanceof Headers || Array.isArray(headers)) {
    const object: Record<string, string> = {};
    for (const [name, value] of headers as Iterable<[string, string]>) object[name] = value;
    return object;
  }
  return headers as Record<string, string>;
}

/** The answer's body as a stream, decoded, paced by its reader; a connection cut mid-way errors it. */
function bodyStream(response: IncomingMessage, done: () => void): ReadableStream<Uint8Array> {
  const source = decoded(response);
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on('data', (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once('end', () => {
          done();
          controller.close();
        });
        const fail = (error: Error) => {
          done();
          controller.error(error);
        };
        source.once('error', fail);
        // A socket closed before the body ended: Node reports it as `aborted` (code ECONNRESET) on the message.
        if (source !== response) response.once('error', (error) => source.destroy(error));
      },
      pull() {
        source.resume();
      },
      cancel(reason) {
        done();
        response.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

function decoded(response: IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (decoder === undefined) return response;
  return response.pipe(decoder);
}
