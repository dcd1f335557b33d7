// Streams a chat completion to the browser through a pool of OpenAI keys.
//
//   npm start                                 fake OpenAI from @keymesh/testing: one key rate limited
//                                             after a few requests, one rejected, one healthy
//   OPENAI_API_KEYS=sk-a,sk-b npm start       the real API (OPENAI_MODEL, OPENAI_BASE_URL optional)
//
// Then open http://localhost:3000, or: curl -N localhost:3000/chat -H 'content-type: application/json' -d '{"message":"hi"}'
//
// It listens on 127.0.0.1 (HOST to change it: on every interface it would spend your keys for
// anyone who reaches it) and port 3000 (PORT).
import { readFile } from 'node:fs/promises';
import express from 'express';
import OpenAI from 'openai';
import { parseKeyList } from '@keymesh/core';
import { keymesh, keymeshErrorHandler, signalOf } from '@keymesh/express';
import { startFakeProvider } from '@keymesh/testing';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST || '127.0.0.1';
const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';
const { keys, baseURL, fake } = await upstream();

// Created once, at start: the pool's memory of rate limits and open circuits outlives every request.
const mesh = keymesh({
  clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL }), keys } },
  strategy: 'least-used',
});
mesh.pools.openai.on('key.rate_limited', (e) => console.log(`key ${e.keyId} rate limited; the request moved on`));
mesh.pools.openai.on('key.disabled', (e) => console.log(`key ${e.keyId} disabled`));

const page = await readFile(new URL('./index.html', import.meta.url), 'utf8');
const app = express();
app.use(express.json());
app.use(mesh);

app.get('/', (_req, res) => {
  res.type('html').send(page);
});

app.get('/health/keys', mesh.health);

app.post('/chat', async (req, res) => {
  const message = typeof req.body?.message === 'string' && req.body.message.trim() ? req.body.message : 'Say hello.';
  // A closed tab aborts the upstream request (and any retry the pool would make for it).
  const stream = await req.llm.openai.chat.completions.create(
    { model, messages: [{ role: 'user', content: message }], stream: true },
    { signal: signalOf(req) },
  );
  // Only now, with a first chunk in hand, is the answer committed: failures before this point
  // (every key limited, say) still become a proper 503 from keymeshErrorHandler.
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  try {
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) res.write(`data: ${JSON.stringify({ text })}\n\n`);
    }
    res.end('event: done\ndata: {}\n\n');
  } catch (error) {
    // Mid-stream, a status can no longer be sent: tell the page in-band, in words of our own
    // (the provider's message may quote a key), and keep the details for the log.
    if (signalOf(req).aborted) return;
    console.error('stream failed mid-answer:', error);
    res.end(`event: error\ndata: ${JSON.stringify({ title: 'The answer was cut off; try again' })}\n\n`);
  }
});

// Whatever the pooled call threw, as problem+json without the provider's text: 503 + Retry-After
// when no key can serve or every attempt was rate limited, 502 when the keys were refused, ….
app.use(keymeshErrorHandler());
// Anything else is this app's own failure: logged here, a plain 500 for the caller (no stack, no message).
app.use((error, req, res, next) => {
  if (signalOf(req).aborted) return; // the browser left: nobody to answer, nothing went wrong
  console.error(error);
  if (res.headersSent) return next(error);
  res.status(500).type('application/problem+json').send({ title: 'Internal error', status: 500 });
});

const server = app.listen(port, host, () => {
  const { address, port: bound } = server.address();
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
  console.log(`express-chat on ${url} (${fake ? 'fake OpenAI from @keymesh/testing' : 'OpenAI API'}, ${keys.length} keys)`);
  console.log(`health: ${url}/health/keys`);
});

async function shutdown() {
  console.log('shutting down');
  server.close();
  server.closeAllConnections();
  await mesh.close();
  await fake?.close();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

/** Real keys when OPENAI_API_KEYS is set, else a fake OpenAI whose keys misbehave on purpose. */
async function upstream() {
  if (process.env.OPENAI_API_KEYS) {
    return { keys: parseKeyList(process.env.OPENAI_API_KEYS, 'OPENAI_API_KEYS'), baseURL: process.env.OPENAI_BASE_URL };
  }
  const fake = await startFakeProvider({
    provider: 'openai',
    text: 'Keymesh routed this answer through a pool of keys: one is rate limited after three requests a minute, one is rejected, and this one answered. Reload the health page to watch them.',
    keys: {
      'sk-demo-limited-aaaaaaaaaaaa': { kind: 'rate_limit', limit: 3, windowMs: 60_000, latencyMs: 150 },
      'sk-demo-rejected-bbbbbbbbbbbb': { kind: 'invalid_key' },
      'sk-demo-healthy-cccccccccccc': { kind: 'ok', latencyMs: 150 },
    },
  });
  return {
    keys: [
      { id: 'limited', secret: 'sk-demo-limited-aaaaaaaaaaaa' },
      { id: 'rejected', secret: 'sk-demo-rejected-bbbbbbbbbbbb' },
      { id: 'healthy', secret: 'sk-demo-healthy-cccccccccccc' },
    ],
    baseURL: fake.url,
    fake,
  };
}
