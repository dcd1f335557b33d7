/**
 * Issue 12 against the real @anthropic-ai/sdk 1 over real sockets: the first-event rules, echoed
 * secrets and the server's retry word, where Anthropic's wire differs from OpenAI's.
 */
import { inspect } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { isPoolExhaustedError } from '@keymesh/core';
import { createKeymesh, poolOf } from '@keymesh/core/anthropic';
import { startFakeProvider } from '@keymesh/testing';
import { json, sseHeaders, startScriptedServer, type Answer, type ScriptedServer } from '../adapters/__tests__/scripted-server.js';
import { A, B, PARAMS, rejection, textOf } from './__tests__/harness.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function scripted(answer: Answer): Promise<ScriptedServer> {
  const server = await startScriptedServer(answer);
  closers.push(() => server.close());
  return server;
}

function wrap(baseURL: string, strategy: 'priority' | 'round-robin' = 'priority'): Anthropic {
  const client = createKeymesh({ client: new Anthropic({ apiKey: 'unused', baseURL }), keys: [A, B], strategy, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  closers.push(() => poolOf(client).close());
  return client;
}

const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
function messageStream(text: string): string {
  return [
    event('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: PARAMS.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
    event('content_block_stop', { type: 'content_block_stop', index: 0 }),
    event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }),
    event('message_stop', { type: 'message_stop' }),
  ].join('');
}

async function drain(stream: AsyncIterable<Anthropic.MessageStreamEvent>): Promise<string> {
  let text = '';
  for await (const item of stream) if (item.type === 'content_block_delta' && item.delta.type === 'text_delta') text += item.delta.text;
  return text;
}

describe('anthropic: the first stream event', () => {
  it('`event: error` invalid_request_error first: one request, raised by the SDK as it raises it bare', async () => {
    const tooLong = { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } };
    const server = await scripted((_request, res) => {
      res.writeHead(200, sseHeaders);
      res.end(event('error', tooLong));
    });
    const bare = await rejection(drain(await new Anthropic({ apiKey: A, baseURL: server.url, maxRetries: 0 }).messages.create({ ...PARAMS, stream: true })));
    const client = wrap(server.url);
    const error = await rejection(drain(await client.messages.create({ ...PARAMS, stream: true })));
    expect(server.requests).toHaveLength(2);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toBe((bare as Error).message);
    expect(poolOf(client).snapshot().keys[0]).toMatchObject({ failures: 0 });
  });

  it('`: ping` comment then `event: error` overloaded_error: fails over to the next key', async () => {
    const server = await scripted((request, res) => {
      res.writeHead(200, sseHeaders);
      res.end(request.key === A ? `: ping\n\n${event('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}` : messageStream('from b'));
    });
    const client = wrap(server.url, 'round-robin');
    expect(await drain(await client.messages.create({ ...PARAMS, stream: true }))).toBe('from b');
    expect([server.countFor(A), server.countFor(B)]).toEqual([1, 1]);
  });
});

describe('anthropic: kept text and the retry word', () => {
  it('a 401 echoing the key never prints it', async () => {
    const fake = await startFakeProvider({
      provider: 'anthropic',
      keys: Object.fromEntries([A, B].map((k) => [k, { kind: 'status' as const, status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${k}` } } }])),
    });
    closers.push(() => fake.close());
    const error = await rejection(wrap(fake.url).messages.create(PARAMS));
    expect(isPoolExhaustedError(error)).toBe(true);
    const printed = inspect(error, { depth: 10 });
    expect(printed).not.toContain(A);
    expect(printed).not.toContain(B);
  });

  it('x-should-retry: false on a 529 → one request', async () => {
    const server = await scripted((_request, res) => json(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, { 'x-should-retry': 'false' }));
    const error = await rejection(wrap(server.url, 'round-robin').messages.create(PARAMS));
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(server.requests).toHaveLength(1);
  });

  it('a plain message still works through the scripted server (the harness itself)', async () => {
    const server = await scripted((_request, res) =>
      json(res, 200, { id: 'msg_1', type: 'message', role: 'assistant', model: PARAMS.model, content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }),
    );
    expect(textOf(await wrap(server.url).messages.create(PARAMS))).toBe('ok');
  });
});
