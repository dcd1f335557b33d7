import express from 'express';
import OpenAI from 'openai';
import request from 'supertest';
import { httpAdapter, isConfigError } from '@keymesh/core';
import { DEFAULT_TEXT, startFakeProvider } from '@keymesh/testing';
import { describe, expect, it } from 'vitest';
import { chatRoutes } from './__tests__/chat-routes.js';
import './__tests__/declare-clients.js';
import { closing, listen, sseData, until } from './__tests__/harness.js';
import { keymesh, keymeshErrorHandler } from './index.js';

async function openaiFake(keys: Parameters<typeof startFakeProvider>[0]['keys']) {
  return closing(await startFakeProvider({ provider: 'openai', keys }));
}

function chatApp(mesh: express.RequestHandler) {
  const app = express();
  app.use(mesh);
  chatRoutes(app);
  app.use(keymeshErrorHandler());
  return app;
}

describe('keymesh()', () => {
  it('rotates inside a route: the rate-limited key is hit exactly once and the route answers 200', async () => {
    const fake = await openaiFake({ 'sk-limited': { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, 'sk-good': { kind: 'ok' } });
    const mesh = closing(
      keymesh({
        clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [{ id: 'limited', secret: 'sk-limited' }, { id: 'good', secret: 'sk-good' }] } },
        strategy: 'priority', // the limited key first, every time
      }),
    );

    const res = await request(chatApp(mesh)).post('/chat').expect(200);

    expect(res.body).toEqual({ text: DEFAULT_TEXT });
    expect(fake.countFor('sk-limited')).toBe(1);
    expect(fake.countFor('sk-good')).toBe(1);
    expect(mesh.pools.openai.snapshot().keys.find((key) => key.id === 'limited')).toMatchObject({ available: false, lastErrorKind: 'rate_limited' });
  });

  it('streams a completion through a route to the HTTP client', async () => {
    const fake = await openaiFake({ 'sk-limited': { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, 'sk-good': { kind: 'ok' } });
    const mesh = closing(keymesh({ clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: ['sk-limited', 'sk-good'] } }, strategy: 'priority' }));

    const res = await request(chatApp(mesh)).post('/chat/stream').expect(200).expect('content-type', /^text\/event-stream/);

    const data = sseData(res.text);
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.slice(0, -1).map((piece) => JSON.parse(piece) as string).join('')).toBe(DEFAULT_TEXT);
    expect(data.length).toBeGreaterThan(3);
    expect(fake.countFor('sk-limited')).toBe(1); // a stream fails over before its first chunk too
  });

  it('forwards each chunk as it arrives, not once the upstream stream ends', async () => {
    // The upstream sends the role chunk and two words, then goes silent: those words must already be at the client.
    const fake = await openaiFake({ 'sk-slow': { kind: 'stream_stall', afterChunks: 3 } });
    const mesh = closing(keymesh({ clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: ['sk-slow'] } } }));
    const { url } = await listen(chatApp(mesh));

    const controller = new AbortController();
    const res = await fetch(`${url}/chat/stream`, { method: 'POST', signal: controller.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (sseData(text).length < 2) text += (await reader.read()).value ?? '';
    controller.abort();

    expect(sseData(text).map((piece) => JSON.parse(piece) as string).join('')).toBe(DEFAULT_TEXT.split(/(?<= )/).slice(0, 2).join(''));
    await until(() => mesh.pools.openai.snapshot().keys[0]!.inFlight === 0);
  });

  it('creates the pools once, named after the clients, with shared options and per-client overrides', async () => {
    const adapter = httpAdapter({ baseURL: 'http://127.0.0.1:1', auth: 'bearer' });
    const mesh = closing(
      keymesh({
        clients: { http: { adapter, keys: ['sk-test-http-aaaaaaaaaaaa'] }, other: { adapter, keys: ['sk-test-other-bbbbbbbbbbbb'], strategy: 'random' } },
        strategy: 'priority',
      }),
    );
    const seen: unknown[] = [];
    const app = express();
    app.use(mesh);
    app.get('/', (req, res) => {
      seen.push(req.llm);
      res.end();
    });
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(200);

    expect(seen[0]).toBe(seen[1]); // the same frozen object on every request, nothing rebuilt
    expect(Object.isFrozen(seen[0])).toBe(true);
    expect(Object.keys(seen[0] as object)).toEqual(['http', 'other']);
    expect((seen[0] as { http: unknown }).http).toBe(mesh.clients.http);
    expect(mesh.pools.http.name).toBe('http');
    expect(mesh.pools.other.name).toBe('other');
  });

  it('lets several meshes add up on one request, and tolerates the same mesh mounted twice', async () => {
    const adapter = httpAdapter({ baseURL: 'http://127.0.0.1:1', auth: 'bearer' });
    const first = closing(keymesh({ clients: { http: { adapter, keys: ['sk-test-first-aaaaaaaaaaaa'] } } }));
    const second = closing(keymesh({ clients: { other: { adapter, keys: ['sk-test-second-bbbbbbbbbbbb'] } } }));
    const app = express();
    const router = express.Router();
    app.use(first);
    router.use(first, second);
    router.get('/', (req, res) => {
      res.json(Object.keys(req.llm));
    });
    app.use('/api', router);

    const res = await request(app).get('/api').expect(200);
    expect(res.body).toEqual(['http', 'other']);
  });

  it('throws a ConfigError naming the client at creation, not on the first request', () => {
    let error: unknown;
    try {
      keymesh({ clients: { openai: { client: new OpenAI({ apiKey: 'unused' }), keys: [] } } });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_NO_KEYS', option: 'clients.openai.keys' });
    // A JavaScript caller with no options at all is told about `clients`, too.
    expect(() => (keymesh as (options?: unknown) => unknown)()).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_NO_KEYS', option: 'clients' }));
  });

  it('reports a misspelt top-level option where it was written (Express has no `defaults`), and a misspelt `client` as such', () => {
    const client = new OpenAI({ apiKey: 'unused' });
    const attempt = (options: unknown) => () => (keymesh as (options: unknown) => unknown)(options);
    expect(attempt({ clients: { openai: { client, keys: ['sk-test-a-aaaaaaaaaaaa'] } }, stratgy: 'priority' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEYMESH_UNKNOWN_OPTION', option: 'stratgy', message: expect.stringMatching(/^keymesh\(\): Unknown option `stratgy`/) }),
    );
    expect(attempt({ clients: { openai: { clinet: client, keys: ['sk-test-a-aaaaaaaaaaaa'] } } })).toThrow(
      expect.objectContaining({ code: 'ERR_KEYMESH_UNKNOWN_OPTION', option: 'clients.openai.clinet', message: expect.stringContaining('Did you mean `client`?') }),
    );
  });

  it('close() closes every pool', async () => {
    const mesh = keymesh({ clients: { http: { adapter: httpAdapter({ baseURL: 'http://127.0.0.1:1', auth: 'bearer' }), keys: ['sk-test-close-aaaaaaaaaaaa'] } } });
    await mesh.close();
    await expect(mesh.pools.http.execute(() => 1)).rejects.toMatchObject({ code: 'ERR_KEYMESH_POOL_CLOSED' });
  });
});
