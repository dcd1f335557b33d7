import { createRequire } from 'node:module';
import type express from 'express';
import OpenAI from 'openai';
import request from 'supertest';
import { DEFAULT_TEXT, startFakeProvider } from '@keymesh/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chatRoutes } from './__tests__/chat-routes.js';
import { closing, listen, sleep, sseData, until } from './__tests__/harness.js';
import { manualClock } from './__tests__/manual-clock.js';
import { keymesh, keymeshErrorHandler } from './index.js';

// `express4` is an npm alias of express@4 with no types of its own; its surface used here is the same.
const express4 = createRequire(import.meta.url)('express4') as typeof express;

let warnings: Error[];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

async function setup(keys: Parameters<typeof startFakeProvider>[0]['keys'], { clock = manualClock() } = {}) {
  const fake = closing(await startFakeProvider({ provider: 'openai', keys, clock: clock.now }));
  const secrets = Object.keys(keys!);
  const mesh = closing(
    keymesh({ clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: secrets } }, strategy: 'priority', clock, retry: { budgetMs: 100 } }),
  );
  const app = express4();
  app.use(mesh);
  app.get('/health/keys', mesh.health);
  chatRoutes(app);
  app.use(keymeshErrorHandler());
  return { fake, mesh, app };
}

describe('Express 4', () => {
  it('runs on express 4', () => {
    expect((createRequire(import.meta.url)('express4/package.json') as { version: string }).version).toMatch(/^4\./);
  });

  it('rotates on 429 inside a route and streams through it', async () => {
    const { fake, app } = await setup({ 'sk-limited': { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, 'sk-good': { kind: 'ok' } });
    await request(app).post('/chat').expect(200, { text: DEFAULT_TEXT });
    expect(fake.countFor('sk-limited')).toBe(1);

    const res = await request(app).post('/chat/stream').expect(200);
    expect(sseData(res.text).slice(0, -1).map((piece) => JSON.parse(piece) as string).join('')).toBe(DEFAULT_TEXT);
  });

  it('serves health 200 / 503 and answers an exhausted pool with 503 + Retry-After', async () => {
    const clock = manualClock();
    const { app } = await setup({ 'sk-only': { kind: 'rate_limit', limit: 0, windowMs: 1_500, hints: ['retry-after-ms'] } }, { clock });
    await request(app).get('/health/keys').expect(200);
    const res = await request(app).post('/chat').expect(503).expect('content-type', 'application/problem+json').expect('retry-after', '2');
    expect(JSON.parse(res.text)).toMatchObject({ status: 503, pool: 'openai' });
    const down = await request(app).get('/health/keys').expect(503);
    expect(down.body.pools.openai.keys[0]).toMatchObject({ available: false, lastErrorKind: 'rate_limited' });
    clock.advance(1_500);
    await request(app).get('/health/keys').expect(200);
  });

  it('cancels the upstream request when the client disconnects', async () => {
    const { fake, mesh, app } = await setup({ 'sk-stall': { kind: 'stall_body' } });
    const { url } = await listen(app);
    const controller = new AbortController();
    const pending = fetch(`${url}/chat`, { method: 'POST', signal: controller.signal }).catch(() => undefined);
    await until(() => fake.requests.length === 1);
    controller.abort();
    await pending;
    await until(() => mesh.pools.openai.snapshot().keys[0]!.inFlight === 0);
    await sleep(50);
    expect(fake.requests).toHaveLength(1);
  });

  it('detects a mesh created in a request handler', async () => {
    const app = express4();
    app.get('/', (_req, res) => {
      closing(keymesh({ clients: { openai: { client: new OpenAI({ apiKey: 'unused' }), keys: ['sk-x'] } } }));
      res.end('ok');
    });
    await request(app).get('/').expect(200, 'ok');
    expect(warnings).toEqual([expect.objectContaining({ code: 'ERR_KEYMESH_CREATED_IN_REQUEST_HANDLER' })]);
  });
});
