import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import express from 'express';
import OpenAI from 'openai';
import request from 'supertest';
import { startFakeProvider, type KeyBehaviour } from '@keymesh/testing';
import { describe, expect, it } from 'vitest';
import { closing } from './__tests__/harness.js';
import { keymesh, keymeshErrorHandler } from './index.js';

/**
 * What end users get when every pooled key fails, through the real SDKs against the fakes over
 * real sockets: the SDK's own error (rethrown by the pool once attempts run out) becomes a
 * problem+json answer that never carries the provider's text, recognised by shape.
 */
const KEY_A = 'sk-test-upstream-CANARY-aaaaaaaaaaaa';
const KEY_B = 'sk-test-upstream-CANARY-bbbbbbbbbbbb';
const ECHO = `Incorrect API key provided: ${KEY_A}. You can find your API key at https://example.invalid.`;

type Provider = 'openai' | 'anthropic' | 'gemini';

/** An app with one route per SDK call, `keymeshErrorHandler()`, and a last handler that records what passed it. */
async function appAgainst(provider: Provider, behaviour: KeyBehaviour, options: { maxAttempts?: number } = {}) {
  const fake = closing(await startFakeProvider({ provider, keys: { [KEY_A]: behaviour, [KEY_B]: behaviour } }));
  const client =
    provider === 'openai'
      ? new OpenAI({ apiKey: 'unused', baseURL: fake.url })
      : provider === 'anthropic'
        ? new Anthropic({ apiKey: 'unused', baseURL: fake.url })
        : new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: fake.url } });
  const mesh = closing(keymesh({ clients: { llm: { client, keys: [KEY_A, KEY_B] } }, strategy: 'priority', retry: { maxAttempts: options.maxAttempts ?? 2, baseDelayMs: 1, maxDelayMs: 2, budgetMs: 2_000 } }));
  const passedOn: unknown[] = [];
  const app = express();
  app.get('/ask', async (_req, res, next) => {
    try {
      const llm = mesh.clients.llm as unknown;
      if (provider === 'openai') await (llm as OpenAI).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      else if (provider === 'anthropic') await (llm as Anthropic).messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
      else await (llm as GoogleGenAI).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
      res.json({ ok: true });
    } catch (error) {
      next(error);
    }
  });
  app.use(keymeshErrorHandler());
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    passedOn.push(error);
    res.status(500).json({ passedOn: true });
  });
  return { app, fake, passedOn };
}

function expectNoLeak(text: string) {
  expect(text).not.toContain('CANARY');
  expect(text).not.toContain('Incorrect API key');
  expect(text).not.toContain('fake provider');
}

describe.each<Provider>(['openai', 'anthropic', 'gemini'])('keymeshErrorHandler() with the %s SDK', (provider) => {
  it('every key rejected: 502 with a generic title, never the 401 as the caller’s own', async () => {
    const { app, passedOn } = await appAgainst(provider, { kind: 'invalid_key' });
    const res = await request(app).get('/ask').expect(502).expect('content-type', 'application/problem+json');
    expect(JSON.parse(res.text)).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-credentials', status: 502, title: "The AI provider refused this service's credentials" });
    expectNoLeak(res.text);
    expect(passedOn).toEqual([]);
  });

  it('rate limited until attempts run out: 503 with Retry-After, for the first caller and the next alike', async () => {
    // One attempt: the first caller gets the SDK's own 429 rethrown; the next finds both keys sidelined (PoolExhaustedError).
    const { app } = await appAgainst(provider, { kind: 'rate_limit', limit: 0, windowMs: 30_000 }, { maxAttempts: 1 });
    const first = await request(app).get('/ask').expect(503).expect('content-type', 'application/problem+json');
    expect(Number(first.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    expect(JSON.parse(first.text)).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-rate-limited', status: 503, upstreamStatus: 429 });
    await request(app).get('/ask'); // the second key's own 429
    const next = await request(app).get('/ask').expect(503).expect('content-type', 'application/problem+json');
    expect(Number(next.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    expectNoLeak(first.text + next.text);
  });

  it('a refused request (400 echoing the key): 400 with the provider’s request id, never its text', async () => {
    const { app } = await appAgainst(provider, { kind: 'status', status: 400, body: { error: { message: ECHO, type: 'invalid_request_error', code: 'bad' } } });
    const res = await request(app).get('/ask').expect(400).expect('content-type', 'application/problem+json');
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-refused', status: 400, upstreamStatus: 400, title: 'The AI provider refused the request' });
    if (provider !== 'gemini') expect(body.requestId).toMatch(/^req_/); // genai keeps no response headers
    expectNoLeak(res.text);
  });

  it('a 404 from the provider (a model the service names) is the gateway’s failure: 502', async () => {
    const { app } = await appAgainst(provider, { kind: 'status', status: 404 });
    const res = await request(app).get('/ask').expect(502);
    expect(JSON.parse(res.text)).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-refused', upstreamStatus: 404 });
  });

  it('provider trouble after retries (503, then resets): 502', async () => {
    const trouble = await appAgainst(provider, { kind: 'status', status: 503 });
    const res = await request(trouble.app).get('/ask').expect(502);
    expect(JSON.parse(res.text)).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-failed', upstreamStatus: 503 });
    const reset = await appAgainst(provider, { kind: 'reset' });
    const dropped = await request(reset.app).get('/ask').expect(502);
    expect(JSON.parse(dropped.text)).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-failed', status: 502 });
    expect(JSON.parse(dropped.text).upstreamStatus).toBeUndefined();
    expectNoLeak(res.text + dropped.text);
  });
});

describe('keymeshErrorHandler() and the app’s own errors', () => {
  it('passes an error that merely has a status (body-parser’s, the app’s) to the next handler', async () => {
    const app = express();
    app.use(express.json());
    app.post('/', (_req, res) => res.json({}));
    app.use(keymeshErrorHandler());
    const passedOn: unknown[] = [];
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      passedOn.push(error);
      res.status(418).end();
    });
    await request(app).post('/').set('content-type', 'application/json').send('{not json').expect(418);
    expect(passedOn).toHaveLength(1);
    expect(passedOn[0]).toMatchObject({ status: 400, type: 'entity.parse.failed' });
  });
});
