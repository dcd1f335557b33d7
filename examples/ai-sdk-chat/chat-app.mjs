// The chat server: a page, and POST /chat streaming the answer of the AI SDK's `streamText`
// through a keymeshFetch pool. server.mjs starts it from the environment; the tests start it too.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createOpenAI } from '@ai-sdk/openai';
import { keymeshFetch, poolOf } from '@keymesh/core/fetch';
import { streamText } from 'ai';

const page = await readFile(new URL('./index.html', import.meta.url), 'utf8');
const maxBodyBytes = 16 * 1024;

/**
 * Starts the chat on `host:port` (127.0.0.1 unless told otherwise: it spends your API keys, so
 * it is not for the network by default) with the pool's keys going to `baseURL` only.
 */
export async function startChat({ keys, baseURL, model = 'gpt-4o-mini', host = '127.0.0.1', port = 0, log = () => {} }) {
  // Created once, at start: the pool remembers rate limits and open circuits across requests.
  const fetch = keymeshFetch({ provider: 'openai', keys, baseURL, strategy: 'least-used' });
  const pool = poolOf(fetch);
  pool.on('key.rate_limited', (e) => log(`key ${e.keyId} rate limited; the request moved on`));
  pool.on('key.disabled', (e) => log(`key ${e.keyId} disabled (${e.reason})`));
  pool.on('request.retried', (e) => log(`retrying after ${e.kind} on key ${e.keyId}`));
  const openai = createOpenAI({ apiKey: 'unused', baseURL, fetch });

  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/') return send(res, 200, 'text/html; charset=utf-8', page);
      if (req.method === 'GET' && req.url === '/health/keys') return send(res, pool.snapshot().healthy ? 200 : 503, 'application/json', JSON.stringify(pool.snapshot()));
      if (req.method === 'POST' && req.url === '/chat') return chat(req, res);
      send(res, 404, 'application/json', JSON.stringify({ title: 'Not found' }));
    } catch (error) {
      log(`request failed: ${error?.name ?? 'error'}`);
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ title: 'The chat failed' }));
      else res.end();
    }
  });

  async function chat(req, res) {
    const message = await readMessage(req);
    if (message === undefined) return send(res, 400, 'application/json', JSON.stringify({ title: 'Send {"message": "…"} as JSON' }));
    // A closed tab aborts the upstream call, and any retry the pool would make for it.
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const result = streamText({
      model: openai(model),
      prompt: message,
      abortSignal: controller.signal,
      // One retry owner: the pool rotates and retries; the AI SDK's own retries would resend
      // the same request to the same key before the pool could move it.
      maxRetries: 0,
      // The AI SDK logs stream errors to the console by default, upstream text included.
      onError: ({ error }) => log(`answer failed: ${error?.statusCode ?? error?.name ?? 'error'}`),
    });
    result.pipeUIMessageStreamToResponse(res, { onError: errorText });
  }

  /** What the page may show of a failure: never upstream text, which can carry account details. */
  function errorText(error) {
    const status = error?.statusCode;
    if (status === 503 && error?.responseHeaders?.['content-type'] === 'application/problem+json') {
      const retryAfter = error.responseHeaders['retry-after'];
      return `Every API key is busy or rate limited${retryAfter ? `; try again in ${retryAfter} s` : ''}.`;
    }
    return 'The model provider could not answer; try again.';
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    server,
    pool,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.close();
    },
  };
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** The `message` of a small JSON body, or undefined. */
async function readMessage(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > maxBodyBytes) return undefined;
  }
  try {
    const message = JSON.parse(body).message;
    return typeof message === 'string' && message.trim() !== '' ? message : undefined;
  } catch {
    return undefined;
  }
}
