import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createKeymesh } from './create-keymesh.js';
import { settleResponse } from './response-guard.js';
import { settledResponse } from './settled-response.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const headers = { 'content-type': 'application/json', 'x-request-id': 'req_1' };

describe('settledResponse', () => {
  it('is the same Response object, headers untouched, its body served from the bytes read', async () => {
    const original = new Response('ignored', { status: 201, statusText: 'Created', headers });
    const originalHeaders = original.headers;
    const settled = settledResponse(original, bytes('{"a":1}'));
    expect(settled).toBe(original);
    expect(settled).toBeInstanceOf(Response);
    expect(settled.headers).toBe(originalHeaders);
    expect([settled.status, settled.statusText, settled.ok]).toEqual([201, 'Created', true]);
    expect(settled.bodyUsed).toBe(false);
    expect(await settled.json()).toEqual({ a: 1 });
    expect(settled.bodyUsed).toBe(true);
    await expect(settled.text()).rejects.toThrow(TypeError);
  });

  it('answers every body method as a Response does', async () => {
    const make = () => settledResponse(new Response(null, { headers }), bytes('héllo'));
    expect(await make().text()).toBe('héllo');
    expect(new TextDecoder().decode(await make().arrayBuffer())).toBe('héllo');
    expect(new TextDecoder().decode(await (make() as Response & { bytes(): Promise<Uint8Array> }).bytes())).toBe('héllo');
    const blob = await make().blob();
    expect([await blob.text(), blob.type]).toEqual(['héllo', 'application/json']);
    expect(await new Response(make().body).text()).toBe('héllo');
    const form = await settledResponse(new Response(null, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), bytes('a=1&b=2')).formData();
    expect(form.get('b')).toBe('2');
  });

  it('clones, with bytes or with a stream, and each copy reads the whole body', async () => {
    const fromBytes = settledResponse(new Response(null, { headers }), bytes('one'));
    const copy = fromBytes.clone();
    expect([await copy.text(), await fromBytes.text(), copy.headers.get('x-request-id')]).toEqual(['one', 'one', 'req_1']);

    const fromStream = settledResponse(new Response(null, { headers }), new Response('two').body!);
    const streamCopy = fromStream.clone();
    expect([await streamCopy.text(), await fromStream.text()]).toEqual(['two', 'two']);
    expect(() => fromStream.clone()).toThrow(TypeError);
  });

  it('serves a stream body as the stream handed over, marked used once a reader holds it', async () => {
    const settled = settledResponse(new Response(null, { headers }), new Response('data: 1\n\n').body!);
    const reader = settled.body!.getReader();
    expect(settled.bodyUsed).toBe(true);
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
  });

  it('rebuilds a Response that is not the runtime\'s own class (a subclass keeps its body members)', async () => {
    class Custom extends Response {}
    const original = new Custom('x', { status: 200, headers });
    const settled = settledResponse(original, bytes('{"b":2}'));
    expect(settled).not.toBe(original);
    expect(settled.headers.get('x-request-id')).toBe('req_1');
    expect(await settled.json()).toEqual({ b: 2 });
  });
});

describe('settled responses through each SDK', () => {
  const keys = ['sk-test-settled-aaaaaaaa', 'sk-test-settled-bbbbbbbb'];

  it('openai: create(), withResponse() and asResponse() read the settled answer', async () => {
    const body = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }] });
    const fetch = async () => new Response(body, { status: 200, headers });
    const openai = createKeymesh({ client: new OpenAI({ apiKey: 'unused', fetch }), keys });
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
    expect((await openai.chat.completions.create(request)).choices[0]!.message.content).toBe('Hi');
    const { data, response, request_id } = await openai.chat.completions.create(request).withResponse();
    expect([data.id, response.headers.get('x-request-id'), request_id]).toEqual(['c1', 'req_1', 'req_1']);
    const raw = await openai.chat.completions.create(request).asResponse();
    expect(raw).toBeInstanceOf(Response);
    expect(((await raw.json()) as { id: string }).id).toBe('c1');
  });

  it('openai: a stream through the settled response yields every chunk', async () => {
    const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    const fetch = async () => new Response(chunk('a') + chunk('b') + chunk('c') + 'data: [DONE]\n\n', { status: 200, headers: { 'content-type': 'text/event-stream' } });
    const openai = createKeymesh({ client: new OpenAI({ apiKey: 'unused', fetch }), keys });
    const stream = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const text: string[] = [];
    for await (const event of stream) text.push(event.choices[0]!.delta.content ?? '');
    expect(text.join('')).toBe('abc');
  });

  it('anthropic: create() and asResponse() read the settled answer', async () => {
    const body = JSON.stringify({ id: 'm1', type: 'message', role: 'assistant', model: 'claude', content: [{ type: 'text', text: 'Hi' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } });
    const fetch = async () => new Response(body, { status: 200, headers: { ...headers, 'request-id': 'req_a' } });
    const anthropic = createKeymesh({ client: new Anthropic({ apiKey: 'unused', fetch }), keys });
    const request = { model: 'claude', max_tokens: 8, messages: [{ role: 'user' as const, content: 'Hi' }] };
    const { data, response } = await anthropic.messages.create(request).withResponse();
    expect([data.id, response.headers.get('request-id')]).toEqual(['m1', 'req_a']);
    expect(((await (await anthropic.messages.create(request).asResponse()).json()) as { id: string }).id).toBe('m1');
  });

  it('gemini: generateContent reads the settled answer and its headers', async () => {
    const body = JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] }, finishReason: 'STOP', index: 0 }] });
    const fetch = async () => new Response(body, { status: 200, headers });
    const gemini = createKeymesh({ client: new GoogleGenAI({ apiKey: 'unused', httpOptions: { fetch } }), keys });
    const answer = await gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' });
    expect([answer.text, answer.sdkHttpResponse?.headers?.['x-request-id']]).toEqual(['Hi', 'req_1']);
  });

  it('settleResponse hands back the very Response it was given', async () => {
    const response = new Response('{"a":1}', { headers });
    expect(await settleResponse(response, { stream: false, idleTimeoutMs: 1_000 })).toBe(response);
  });
});
