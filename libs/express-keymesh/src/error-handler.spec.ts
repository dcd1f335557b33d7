import express from 'express';
import OpenAI from 'openai';
import request from 'supertest';
import { PoolExhaustedError } from '@keymesh/core';
import { startFakeProvider } from '@keymesh/testing';
import { describe, expect, it } from 'vitest';
import { chatRoutes } from './__tests__/chat-routes.js';
import { closing } from './__tests__/harness.js';
import { manualClock } from './__tests__/manual-clock.js';
import { keymesh, keymeshErrorHandler } from './index.js';

const SECRET = 'sk-test-errors-CANARY-aaaaaaaaaaaa';

/** An app whose only route fails with `error`, and a last error handler that records what reached it. */
function failingApp(error: unknown, { afterHeaders = false } = {}) {
  const reached: unknown[] = [];
  const app = express();
  app.get('/', (_req, res, next) => {
    if (afterHeaders) res.writeHead(200).write('partial');
    next(error);
  });
  app.use(keymeshErrorHandler());
  app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    reached.push(err);
    if (res.headersSent) next(err);
    else res.status(500).json({ handledBy: 'next' });
  });
  return { app, reached };
}

const exhausted = (retryAfterMs: number | null) => new PoolExhaustedError({ poolName: 'openai', retryAfterMs, keys: [], attempts: 1 });

describe('keymeshErrorHandler()', () => {
  it('answers a pool that ran dry inside a route with 503, Retry-After in whole seconds and a problem body', async () => {
    // The key's 429 says "retry in 1500 ms" on a clock that stands still, so the numbers are exact.
    const clock = manualClock();
    const fake = closing(
      await startFakeProvider({ provider: 'openai', clock: clock.now, keys: { [SECRET]: { kind: 'rate_limit', limit: 0, windowMs: 1_500, hints: ['retry-after-ms'] } } }),
    );
    const mesh = closing(keymesh({ clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [SECRET] } }, clock, retry: { budgetMs: 100 } }));
    const app = express();
    app.use(mesh);
    chatRoutes(app);
    app.use(keymeshErrorHandler());

    const res = await request(app).post('/chat').expect(503).expect('content-type', 'application/problem+json').expect('retry-after', '2');

    expect(JSON.parse(res.text)).toEqual({
      type: 'https://keymesh.dev/problems/pool-exhausted',
      title: 'No API key can serve this request right now',
      status: 503,
      detail: expect.stringContaining('Pool "openai"'),
      pool: 'openai',
      retryAfterMs: 1_500,
    });
    expect(res.text).not.toContain('CANARY');
    expect(fake.countFor(SECRET)).toBe(1);
  });

  it.each([
    [1, '1'],
    [1_000, '1'],
    [1_001, '2'],
    [0, '1'],
  ])('rounds retryAfterMs %i up to Retry-After: %s', async (retryAfterMs, header) => {
    await request(failingApp(exhausted(retryAfterMs)).app).get('/').expect(503).expect('retry-after', header);
  });

  it('omits Retry-After when no key frees up by itself', async () => {
    const res = await request(failingApp(exhausted(null)).app).get('/').expect(503);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(res.text)).toMatchObject({ status: 503, pool: 'openai', retryAfterMs: null });
  });

  it('passes every other error, untouched, to the next error handler', async () => {
    const error = Object.assign(new Error('boom'), { status: 429 });
    const { app, reached } = failingApp(error);
    await request(app).get('/').expect(500, { handledBy: 'next' });
    expect(reached).toEqual([error]);
    expect(reached[0]).toBe(error);
  });

  it('passes a PoolExhaustedError on when the response has already started', async () => {
    const error = exhausted(500);
    const { app, reached } = failingApp(error, { afterHeaders: true });
    await request(app).get('/').catch(() => undefined); // Express's final handler cuts the connection
    expect(reached).toEqual([error]);
  });

  it('has the four parameters Express recognises an error handler by', () => {
    expect(keymeshErrorHandler()).toHaveLength(4);
  });
});
