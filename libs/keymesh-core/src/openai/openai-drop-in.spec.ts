/**
 * Issue 12: the defects the openai SDK's own test suite found in wrapped clients, each pinned
 * against the real openai 7 SDK over real sockets (the fake provider, or a scripted server for
 * wire details the fake does not produce).
 */
import { inspect } from 'node:util';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError, isPoolExhaustedError, type KeyPoolOptions, type WrapOptions } from '@keymesh/core';
import { createKeymesh, poolOf } from '@keymesh/core/openai';
import { startFakeProvider, type FakeProvider } from '@keymesh/testing';
import { chunkFrames, completion, gate, json, sseHeaders, startScriptedServer, type Answer, type ScriptedServer } from '../adapters/__tests__/scripted-server.js';
import { MESSAGES, MODEL, SECRET_A, SECRET_B, TEXT_B, chat, rejection } from './__tests__/openai-kit.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function fake(keys: Parameters<typeof startFakeProvider>[0]['keys']): Promise<FakeProvider> {
  const started = await startFakeProvider({ provider: 'openai', keys });
  closers.push(() => started.close());
  return started;
}

async function scripted(answer: Answer): Promise<ScriptedServer> {
  const server = await startScriptedServer(answer);
  closers.push(() => server.close());
  return server;
}

function wrap(client: OpenAI, options: Omit<KeyPoolOptions, 'keys'> & WrapOptions = {}): OpenAI {
  const wrapped = createKeymesh({ client, keys: [{ id: 'a', secret: SECRET_A }, { id: 'b', secret: SECRET_B }], strategy: 'priority', retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
  closers.push(() => poolOf(wrapped).close());
  return wrapped;
}

describe('1. SDK timeouts are provider trouble (openai 7 error classes are named "Error")', () => {
  it('a hung key with `timeout: 300`: the timeout is retried on the healthy key', async () => {
    const f = await fake({ [SECRET_A]: { kind: 'ok', latencyMs: 5_000 }, [SECRET_B]: { kind: 'ok', text: TEXT_B } });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url, timeout: 300 }), { strategy: 'round-robin' });
    const completion = await chat(client);
    expect(completion.choices[0].message.content).toBe(TEXT_B);
    expect([f.countFor(SECRET_A), f.countFor(SECRET_B)]).toEqual([1, 1]);
    expect(poolOf(client).snapshot().keys[0]).toMatchObject({ lastErrorKind: 'provider_trouble' });
  });

  it('a non-stream body stalled past the client timeout is retried too', async () => {
    const f = await fake({ [SECRET_A]: { kind: 'stall_body' }, [SECRET_B]: { kind: 'ok', text: TEXT_B } });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url, timeout: 150 }), { strategy: 'round-robin' });
    expect((await chat(client)).choices[0].message.content).toBe(TEXT_B);
    expect([f.countFor(SECRET_A), f.countFor(SECRET_B)]).toEqual([1, 1]);
  });
});

describe('2. a streaming request body', () => {
  const body = JSON.stringify({ model: MODEL, messages: MESSAGES });
  const streamOf = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text.slice(0, 10)));
        controller.enqueue(new TextEncoder().encode(text.slice(10)));
        controller.close();
      },
    });

  it('is buffered within maxReplayBodyBytes: after a 429 the next key gets the same bytes', async () => {
    const f = await fake({ [SECRET_A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [SECRET_B]: { kind: 'ok', text: TEXT_B } });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url }));
    const answer = (await client.post('/chat/completions', { body: streamOf(body) as never })) as OpenAI.ChatCompletion;
    expect(answer.choices[0].message.content).toBe(TEXT_B);
    expect([f.countFor(SECRET_A), f.countFor(SECRET_B)]).toEqual([1, 1]);
    expect(f.requestsFor(SECRET_B)[0].body).toEqual(JSON.parse(body));
  });

  it('beyond the limit it gets one attempt, as the SDK does: the upstream error, the key still sidelined', async () => {
    const f = await fake({ [SECRET_A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [SECRET_B]: { kind: 'ok', text: TEXT_B } });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url }), { maxReplayBodyBytes: 8 });
    const error = await rejection(client.post('/chat/completions', { body: streamOf(body) as never }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect([f.countFor(SECRET_A), f.countFor(SECRET_B)]).toEqual([1, 0]);
    expect(poolOf(client).snapshot().keys[0]).toMatchObject({ available: false, lastErrorKind: 'rate_limited' });
    // The next request (a plain body) is served by b at once.
    expect((await chat(client)).choices[0].message.content).toBe(TEXT_B);
  });
});

describe('3. admin routes keep their own credential and never touch key state', () => {
  it('adminAPIKey on admin.organization.projects.list(): the admin key is sent, no pooled key, no key disabled', async () => {
    const ADMIN = 'sk-admin-test-keymesh-0000';
    const server = await scripted((request, res) => json(res, 401, { error: { message: 'Invalid admin key', type: 'invalid_request_error', code: 'invalid_api_key' } }));
    const client = wrap(new OpenAI({ apiKey: 'unused', adminAPIKey: ADMIN, baseURL: server.url, maxRetries: 0 }));
    const error = await rejection(client.admin.organization.projects.list());
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(server.requests.map((r) => r.key)).toEqual([ADMIN]);
    const keys = poolOf(client).snapshot().keys;
    expect(keys.map((k) => [k.state, k.requests])).toEqual([
      ['closed', 0],
      ['closed', 0],
    ]);
  });
});

describe('4. a caller-fault error as the first stream event is raised once, as the SDK raises it', () => {
  const contextLength = {
    error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' },
  };
  const answer: Answer = (_request, res) => {
    res.writeHead(200, sseHeaders);
    res.end(`data: ${JSON.stringify(contextLength)}\n\n`);
  };

  it('one request; the same APIError (code, param, message) as the bare SDK', async () => {
    const server = await scripted(answer);
    const plainError = await rejection(
      (async () => {
        for await (const _ of await new OpenAI({ apiKey: SECRET_A, baseURL: server.url, maxRetries: 0 }).chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }));
      })(),
    );
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: server.url }));
    const error = await rejection(
      (async () => {
        for await (const _ of await client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }));
      })(),
    );
    expect(server.requests).toHaveLength(2); // one bare, one wrapped
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ code: 'context_length_exceeded', param: 'messages', message: (plainError as Error).message });
    expect(poolOf(client).snapshot().keys[0]).toMatchObject({ failures: 0, lastErrorKind: null });
  });
});

describe('5. SSE comments, retry: lines and empty events are not events', () => {
  it('`: keep-alive` and `retry:` before an error event: the error still fails over to the next key', async () => {
    const server = await scripted((request, res) => {
      res.writeHead(200, sseHeaders);
      if (request.key === SECRET_A) res.end(`: keep-alive\n\nretry: 3000\n\n\n\ndata: ${JSON.stringify({ error: { message: 'The server had an error', type: 'server_error' } })}\n\n`);
      else res.end(chunkFrames(TEXT_B).join(''));
    });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: server.url }), { strategy: 'round-robin' });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(TEXT_B);
    expect([server.countFor(SECRET_A), server.countFor(SECRET_B)]).toEqual([1, 1]);
  });
});

describe('6. clients whose credential is not a Bearer API key', () => {
  it('AzureOpenAI: the pooled key goes in `api-key` (no Authorization beside it) and rotates on a 429', async () => {
    const server = await scripted((request, res) =>
      request.key === SECRET_A ? json(res, 429, { error: { message: 'Rate limit', type: 'requests', code: '429' } }, { 'retry-after': '20' }) : json(res, 200, completion(TEXT_B)),
    );
    const client = wrap(new AzureOpenAI({ apiKey: 'unused', endpoint: server.url, apiVersion: '2024-10-21', deployment: 'gpt-4o-mini' }) as unknown as OpenAI);
    expect((await chat(client)).choices[0].message.content).toBe(TEXT_B);
    expect(server.requests.map((r) => [r.headers['api-key'], r.headers.authorization])).toEqual([
      [SECRET_A, undefined],
      [SECRET_B, undefined],
    ]);
  });

  it('AzureOpenAI with azureADTokenProvider is refused with the reason', () => {
    const azure = new AzureOpenAI({ azureADTokenProvider: async () => 'entra-token', endpoint: 'https://example.openai.azure.com', apiVersion: '2024-10-21' });
    const error = (() => {
      try {
        createKeymesh({ client: azure, keys: [SECRET_A] });
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_UNSUPPORTED_CLIENT', message: expect.stringMatching(/Entra ID/) });
  });

  it("provider-owned auth (`new OpenAI({ provider: bedrock(…) })`) is refused: ERR_KEYMESH_UNSUPPORTED_CLIENT, saying why", async () => {
    const { bedrock } = await import('openai/providers/bedrock');
    const client = new OpenAI({ provider: bedrock({ apiKey: 'bedrock-test-token', baseURL: 'https://bedrock-mantle.us-east-1.api.aws/v1' }) });
    let error: unknown;
    try {
      createKeymesh({ client, keys: [SECRET_A] });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_UNSUPPORTED_CLIENT', message: expect.stringMatching(/signs every request itself/) });
  });
});

describe('7. Realtime WebSocket', () => {
  it('refused clearly when opened on a wrapped client, before any connection', async () => {
    const { OpenAIRealtimeWS } = await import('openai/realtime/ws');
    const server = await scripted((_request, res) => json(res, 500, {}));
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: server.url }));
    let error: unknown;
    try {
      new OpenAIRealtimeWS({ model: 'gpt-realtime' }, client);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_UNSUPPORTED_CLIENT', message: expect.stringMatching(/Realtime WebSockets are not pooled/) });
    expect(server.requests).toHaveLength(0);
  });

  it("the Responses API's WebSocket mode opens its handshake the same way: refused too", async () => {
    const { ResponsesWS } = await import('openai/resources/responses/ws');
    const server = await scripted((_request, res) => json(res, 500, {}));
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: server.url }));
    let error: unknown;
    try {
      const socket = new ResponsesWS(client);
      error = await new Promise((resolve) => socket.on('error', resolve));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_UNSUPPORTED_CLIENT' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('8. a pooled key only goes to the configured origin', () => {
  it('client.get / client.post to another origin: UnsafeUrlError, nothing sent', async () => {
    const f = await fake({ [SECRET_A]: { kind: 'ok' } });
    const other = await scripted((_request, res) => json(res, 200, {}));
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url }));
    for (const call of [() => client.get(`${other.url}/x`), () => client.post(`${other.url}/x`, { body: {} }), () => client.get(`//127.0.0.1:1/x`)]) {
      expect(await rejection(call())).toMatchObject({ code: 'ERR_KEYMESH_UNSAFE_URL' });
    }
    expect(other.requests).toHaveLength(0);
    expect(f.requests).toHaveLength(0);
  });

  it('an absolute URL on the configured origin still works', async () => {
    const f = await fake({ [SECRET_A]: { kind: 'ok' } });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url }));
    const models = (await client.get(`${f.url}/models`)) as { data: unknown[] };
    expect(Array.isArray(models.data)).toBe(true);
  });
});

describe('9. echoed secrets are redacted from every error Keymesh throws', () => {
  it('a 401 echoing the key: neither the SDK error nor PoolExhaustedError prints it (util.inspect)', async () => {
    const echo = (secret: string) => ({ kind: 'status' as const, status: 401, body: { error: { message: `Incorrect API key provided: ${secret}.`, type: 'invalid_request_error', code: 'invalid_api_key' } } });
    const f = await fake({ [SECRET_A]: echo(SECRET_A), [SECRET_B]: echo(SECRET_B) });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url }));
    const error = await rejection(chat(client));
    expect(isPoolExhaustedError(error)).toBe(true);
    const printed = inspect(error, { depth: 10 });
    // The last upstream error (key b's) is the cause; its echoed key is masked.
    expect(printed).toContain('Incorrect API key provided: sk-…bbbb');
    expect(printed).not.toContain(SECRET_A);
    expect(printed).not.toContain(SECRET_B);
  });
});

describe("10. the server's word on retries, as the SDK follows it", () => {
  it('x-should-retry: false on a 500 → one request, the SDK error', async () => {
    const f = await fake({ [SECRET_A]: { kind: 'status', status: 500, headers: { 'x-should-retry': 'false' } }, [SECRET_B]: { kind: 'ok', text: TEXT_B } });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url }), { strategy: 'round-robin' });
    expect(await rejection(chat(client))).toBeInstanceOf(OpenAI.InternalServerError);
    expect(f.requests).toHaveLength(1);
  });

  it('x-should-retry: true on a 400 → retried', async () => {
    const f = await fake({ [SECRET_A]: [{ kind: 'status', status: 400, headers: { 'x-should-retry': 'true' } }, { kind: 'ok', text: 'second try' }] });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url }));
    expect((await chat(client)).choices[0].message.content).toBe('second try');
    expect(f.countFor(SECRET_A)).toBe(2);
  });

  it('409 (lock timeout) → retried, as the SDK retries it', async () => {
    const f = await fake({ [SECRET_A]: [{ kind: 'status', status: 409 }, { kind: 'ok', text: 'after the lock' }] });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: f.url }));
    expect((await chat(client)).choices[0].message.content).toBe('after the lock');
    expect(f.countFor(SECRET_A)).toBe(2);
  });
});

describe("11. streamFailover: 'headers' resolves a stream at its headers", () => {
  /** Sends the headers at once and the first event only when the test opens the gate. */
  async function heldStream() {
    const release = gate();
    const headersSent = gate();
    const server = await scripted(async (request, res) => {
      res.writeHead(200, sseHeaders);
      res.flushHeaders();
      headersSent.open();
      await release.opened;
      res.end(chunkFrames(request.key === SECRET_A ? 'from a' : TEXT_B).join(''));
    });
    return { server, release, headersSent };
  }
  const settled = async (promise: Promise<unknown>) => {
    let done = false;
    void promise.then(
      () => (done = true),
      () => (done = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    return done;
  };

  it("default 'first-event': create() waits for the first event (the documented cost)", async () => {
    const { server, release, headersSent } = await heldStream();
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: server.url }));
    const pending = client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
    await headersSent.opened;
    expect(await settled(pending)).toBe(false);
    release.open();
    await pending;
  });

  it("per client: resolves while the first event is still held; the chunks follow", async () => {
    const { server, release, headersSent } = await heldStream();
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: server.url }), { streamFailover: 'headers' });
    const pending = client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true });
    await headersSent.opened;
    expect(await settled(pending)).toBe(true);
    release.open();
    let text = '';
    for await (const chunk of await pending) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('from a');
  });

  it('per request: the x-keymesh-stream-failover header, which is never sent', async () => {
    const { server, release, headersSent } = await heldStream();
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: server.url }));
    const pending = client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true }, { headers: { 'x-keymesh-stream-failover': 'headers' } });
    await headersSent.opened;
    expect(await settled(pending)).toBe(true);
    release.open();
    for await (const _ of await pending);
    expect(server.requests[0]!.headers['x-keymesh-stream-failover']).toBeUndefined();
  });

  it("'headers' still fails over on errors before the headers (a 429)", async () => {
    const server = await scripted((request, res) => {
      if (request.key === SECRET_A) return json(res, 429, { error: { message: 'Rate limit', type: 'requests' } }, { 'retry-after': '30' });
      res.writeHead(200, sseHeaders);
      res.end(chunkFrames(TEXT_B).join(''));
    });
    const client = wrap(new OpenAI({ apiKey: 'unused', baseURL: server.url }), { streamFailover: 'headers' });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(TEXT_B);
  });

  it('a bad value is a ConfigError naming both choices', () => {
    expect(() => createKeymesh({ client: new OpenAI({ apiKey: 'unused' }), keys: [SECRET_A], streamFailover: 'chunk' as never })).toThrow(/'first-event'.*'headers'/);
  });
});
