import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import express from 'express';
import request from 'supertest';
import { DEFAULT_TEXT, startFakeProvider } from '@keymesh/testing';
import { describe, expect, it } from 'vitest';
import { closing } from './__tests__/harness.js';
import { keymesh, keymeshErrorHandler } from './index.js';

declare module './index.js' {
  interface KeymeshClients {
    'openai-fetch': typeof fetch;
  }
}

const limited = 'sk-test-express-fetch-limited-aaaa';
const good = 'sk-test-express-fetch-good-bbbbbbb';

describe('keymesh() with a keymeshFetch client', () => {
  it('hands out req.llm[name] as a fetch for the AI SDK, rotating away from a rate-limited key', async () => {
    const fake = closing(await startFakeProvider({ provider: 'openai', keys: { [limited]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [good]: { kind: 'ok' } } }));
    const mesh = closing(keymesh({ clients: { 'openai-fetch': { fetch: { provider: 'openai', baseURL: fake.url }, keys: [limited, good] } }, strategy: 'priority' }));
    const fetchType: typeof fetch = mesh.clients['openai-fetch'];
    expect(typeof fetchType).toBe('function');

    const app = express();
    app.use(mesh);
    app.post('/chat', async (req, res, next) => {
      try {
        const openai = createOpenAI({ apiKey: 'unused', baseURL: fake.url, fetch: req.llm['openai-fetch'] });
        const { text } = await generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'Hi', maxRetries: 0 });
        res.json({ text });
      } catch (error) {
        next(error);
      }
    });
    app.post('/chat/stream', (req, res) => {
      const openai = createOpenAI({ apiKey: 'unused', baseURL: fake.url, fetch: req.llm['openai-fetch'] });
      streamText({ model: openai('gpt-4o-mini'), prompt: 'Hi', maxRetries: 0 }).pipeTextStreamToResponse(res);
    });
    app.use(keymeshErrorHandler());

    expect((await request(app).post('/chat').expect(200)).body).toEqual({ text: DEFAULT_TEXT });
    expect((await request(app).post('/chat/stream').expect(200)).text).toBe(DEFAULT_TEXT);
    // The limited key was tried once, then sidelined for its window: every other call went to the good key.
    expect(fake.requests.map((r) => r.key)).toEqual([limited, good, good]);
    expect(mesh.pools['openai-fetch'].snapshot().keys[0]).toMatchObject({ available: false, lastErrorKind: 'rate_limited' });
  });
});
