// Streams a chat to the browser through the Vercel AI SDK on a pool of OpenAI keys.
//
//   npm start                                fake OpenAI from @keymesh/testing: one key rate limited
//                                            after three requests a minute, one whose streams fail
//                                            before their first event, one healthy
//   OPENAI_API_KEYS=sk-a,sk-b npm start      the real API (OPENAI_MODEL, OPENAI_BASE_URL optional)
//   HOST=0.0.0.0 PORT=8080 npm start         listen elsewhere (default 127.0.0.1:3000)
import { parseKeyList } from '@keymesh/core';
import { startFakeProvider } from '@keymesh/testing';
import { startChat } from './chat-app.mjs';

const { keys, baseURL, fake } = await upstream();
const chat = await startChat({
  keys,
  baseURL,
  model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 3000),
  log: (line) => console.log(line),
});
console.log(`ai-sdk-chat on ${chat.url} (${fake ? 'fake OpenAI from @keymesh/testing' : 'OpenAI API'}, ${keys.length} keys)`);
console.log(`key health: ${chat.url}/health/keys`);

async function shutdown() {
  await chat.close();
  await fake?.close();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

/** Real keys when OPENAI_API_KEYS is set, else a fake OpenAI whose keys misbehave on purpose. */
async function upstream() {
  if (process.env.OPENAI_API_KEYS) {
    return { keys: parseKeyList(process.env.OPENAI_API_KEYS, 'OPENAI_API_KEYS'), baseURL: process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1' };
  }
  const fake = await startFakeProvider({
    provider: 'openai',
    text: 'Keymesh routed this answer through a pool of keys: one is rate limited after three requests a minute, one fails its streams before the first word, and this one answered.',
    keys: {
      'sk-demo-limited-aaaaaaaaaaaa': { kind: 'rate_limit', limit: 3, windowMs: 60_000, latencyMs: 100 },
      'sk-demo-broken-bbbbbbbbbbbbb': { kind: 'stream_error', afterChunks: 0 },
      'sk-demo-healthy-cccccccccccc': { kind: 'ok', latencyMs: 100 },
    },
  });
  return {
    keys: [
      { id: 'limited', secret: 'sk-demo-limited-aaaaaaaaaaaa' },
      { id: 'broken', secret: 'sk-demo-broken-bbbbbbbbbbbbb' },
      { id: 'healthy', secret: 'sk-demo-healthy-cccccccccccc' },
    ],
    baseURL: fake.url,
    fake,
  };
}
