import { request as httpRequest, type IncomingMessage } from 'node:http';
import express from 'express';
import OpenAI from 'openai';
import request from 'supertest';
import { startFakeProvider } from '@keymesh/testing';
import { describe, expect, it } from 'vitest';
import { chatRoutes } from './__tests__/chat-routes.js';
import { closing, listen, sleep, until } from './__tests__/harness.js';
import { keymesh, signalOf } from './index.js';

/** Starts a POST to `url` and resolves once it is sent; `destroy()` is the browser tab closing. */
function post(url: string, body = '') {
  const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
  req.on('error', () => undefined); // the reset we cause ourselves
  req.end(body);
  return req;
}

describe('signalOf(req)', () => {
  it('cancels the upstream request and its retries when the client disconnects', async () => {
    // Both keys stall after their headers. Without the abort, the 250 ms idle timeout would fail the
    // attempt over to the other key, so a second upstream request would prove the signal was lost.
    const fake = closing(await startFakeProvider({ provider: 'openai', keys: { 'sk-stall-1': { kind: 'stall_body' }, 'sk-stall-2': { kind: 'stall_body' } } }));
    const upstream: AbortSignal[] = [];
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: fake.url,
      fetch: (url, init) => {
        upstream.push(init!.signal!);
        return fetch(url, init);
      },
    });
    const mesh = closing(keymesh({ clients: { openai: { client, keys: ['sk-stall-1', 'sk-stall-2'] } }, idleTimeoutMs: 250, retry: { baseDelayMs: 1, maxDelayMs: 1 } }));
    const routeErrors: unknown[] = [];
    const app = express();
    app.use(mesh);
    chatRoutes(app);
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      routeErrors.push(error);
      res.destroy();
    });
    const { url } = await listen(app);

    const browser = post(`${url}/chat`);
    await until(() => fake.requests.length === 1);
    browser.destroy();

    await until(() => upstream[0]!.aborted);
    await until(() => routeErrors.length === 1);
    expect(routeErrors[0]).toBeInstanceOf(OpenAI.APIUserAbortError);
    await sleep(400); // past the idle timeout and the backoff: a retry would have been sent by now
    expect(fake.requests).toHaveLength(1);
    expect(upstream).toHaveLength(1);
    expect(mesh.pools.openai.snapshot().keys.map((key) => [key.inFlight, key.failures])).toEqual([
      [0, 0],
      [0, 0],
    ]); // a caller abort never counts against a key
  });

  it('does not fire when a request body has been read in full, nor after the response is sent', async () => {
    let seen: AbortSignal | undefined;
    const app = express();
    app.use(express.json());
    app.post('/', async (req, res) => {
      seen = signalOf(req);
      await sleep(50); // on Node ≥ 16, req 'close' has fired by now
      res.json({ aborted: seen.aborted, body: req.body });
    });

    await request(app).post('/').send({ hello: 'world' }).expect(200, { aborted: false, body: { hello: 'world' } });
    await sleep(20);
    expect(seen!.aborted).toBe(false);
  });

  it('returns the same signal for one request, and a new one per request', async () => {
    const signals: AbortSignal[] = [];
    const app = express();
    app.get('/', (req, res) => {
      signals.push(signalOf(req), signalOf(req));
      res.end();
    });
    await request(app).get('/');
    await request(app).get('/');
    expect(signals[0]).toBe(signals[1]);
    expect(signals[2]).toBe(signals[3]);
    expect(signals[0]).not.toBe(signals[2]);
  });

  it('is already aborted, with an AbortError, when the client left before the first call', async () => {
    let signal: AbortSignal | undefined;
    const app = express();
    app.post('/', async (req, res) => {
      await until(() => res.closed);
      signal = signalOf(req);
    });
    const { url } = await listen(app);
    const browser = post(url);
    await sleep(30);
    browser.destroy();
    await until(() => signal !== undefined);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toMatchObject({ name: 'AbortError' });
  });

  it('works on plain node:http when given the response, and says so when it is not', async () => {
    const results: unknown[] = [];
    const { url } = await listen((req, res) => {
      results.push(signalOf(req, res).aborted);
      try {
        signalOf(Object.assign(Object.create(req) as IncomingMessage, { res: undefined }));
      } catch (error) {
        results.push(error);
      }
      res.end();
    });
    await fetch(url);
    expect(results).toEqual([false, expect.any(TypeError)]);
  });
});
