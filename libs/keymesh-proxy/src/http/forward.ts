import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialHeaders } from '../auth/presented-credential.js';

/** Headers that describe one hop, never the message: RFC 9110 §7.6.1, plus `host` (the upstream sets its own). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect']);
/** `fetch` decodes compressed bodies: the proxy re-sends them decoded, so these would lie. */
const decodedAway = new Set(['content-encoding', 'content-length']);
const dropUpstream = new Set<string>([...hopByHop, ...credentialHeaders, 'accept-encoding', 'cookie']);

/** The client's headers as the upstream should see them: no hop-by-hop headers and no credential (the pool sets its key). */
export function upstreamHeaders(request: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!dropUpstream.has(name)) headers.append(name, raw[i + 1]!);
  }
  return headers;
}

/** Copies an upstream answer's status and headers to the client, minus hop-by-hop and encoding headers. */
export function writeHead(response: ServerResponse, upstream: Response): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of upstream.headers) {
    if (hopByHop.has(name) || decodedAway.has(name)) continue;
    if (name === 'set-cookie') continue;
    headers[name] = value;
  }
  response.writeHead(upstream.status, headers);
  // SSE and chunked answers reach the client as each chunk arrives.
  response.flushHeaders();
}

/**
 * Streams an upstream body to the client chunk by chunk, honouring the client's backpressure.
 * Resolves when the body is done; rejects if the upstream breaks mid-body (the caller then
 * cuts the client's connection, so a truncated stream never looks complete).
 */
export async function pipeBody(response: ServerResponse, body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (body === null) return void response.end();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (response.destroyed) {
        await reader.cancel();
        return;
      }
      if (!response.write(value)) await drained(response);
    }
    response.end();
  } finally {
    reader.releaseLock();
  }
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** Reads a request body into one buffer, refusing (with `null`) past `maxBytes`. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      request.resume();
      return resolve(null);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.removeAllListeners('data');
        request.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(size > maxBytes ? null : Buffer.concat(chunks, size)));
    request.on('error', reject);
  });
}
