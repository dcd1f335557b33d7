import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialHeaders } from '../auth/presented-credential.js';

/** Headers that describe one hop, never the message: RFC 9110 §7.6.1, plus `host` (the upstream sets its own). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect']);
/** `fetch` decodes compressed bodies: the proxy re-sends them decoded, so these would lie. */
const decodedAway = new Set(['content-encoding', 'content-length']);
/**
 * Not forwarded either: the client's credentials, cookies, and the headers that pick an OpenAI
 * organisation or project. The pooled keys belong to the organisations they were issued in; a
 * client's own `OPENAI_ORG_ID` would make every pooled key answer 401 and be disabled.
 */
const dropUpstream = new Set<string>([...hopByHop, ...credentialHeaders, 'accept-encoding', 'cookie', 'openai-organization', 'openai-project']);

/**
 * The client's headers as the upstream should see them: no hop-by-hop headers and no credential
 * (the pool sets its key). A plain object with lower-case names, as keymeshFetch reads headers:
 * no `Headers` to build and validate here only to be read back into an object there.
 */
export function upstreamHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (dropUpstream.has(name)) continue;
    // Repeated names are joined, as Headers does.
    headers[name] = name in headers ? `${headers[name]}, ${raw[i + 1]!}` : raw[i + 1]!;
  }
  return headers;
}

/** The upstream answer's status and headers for the client, minus hop-by-hop and encoding headers. */
function clientHeaders(upstream: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  upstream.headers.forEach((value, name) => {
    if (hopByHop.has(name) || decodedAway.has(name) || name === 'set-cookie') return;
    headers[name] = value;
  });
  return headers;
}

/**
 * Sends an upstream answer to the client. A server-sent stream goes chunk by chunk, its headers
 * flushed at once; any other answer is already in memory (keymeshFetch reads non-stream bodies
 * inside the attempt, so a body dropped half-way fails over), and goes out as one write with
 * its length. Rejects if the upstream breaks mid-body (the caller then cuts the client's
 * connection, so a truncated answer never looks complete).
 */
export async function sendAnswer(response: ServerResponse, upstream: Response): Promise<void> {
  const headers = clientHeaders(upstream);
  if (upstream.body === null) {
    response.writeHead(upstream.status, headers);
    return void response.end();
  }
  if (headers['content-type']?.includes('text/event-stream') !== true) {
    const body = new Uint8Array(await upstream.arrayBuffer());
    response.writeHead(upstream.status, { ...headers, 'content-length': String(body.byteLength) });
    return void response.end(body);
  }
  response.writeHead(upstream.status, headers);
  // SSE reaches the client as each chunk arrives.
  response.flushHeaders();
  await pipeBody(response, upstream.body);
}

/** Streams an upstream body to the client chunk by chunk, honouring the client's backpressure. */
async function pipeBody(response: ServerResponse, body: ReadableStream<Uint8Array>): Promise<void> {
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
