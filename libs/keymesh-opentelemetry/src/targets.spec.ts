import 'reflect-metadata';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { createKeymesh, createKeymeshClients, KeyPool, poolOf } from '@keymesh/core';
import { keymeshFetch } from '@keymesh/core/fetch';
import { keymesh } from '@keymesh/express';
import { KeymeshService } from '@keymesh/nestjs';
import { startFakeProvider } from '@keymesh/testing';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtel, type Otel } from './__tests__/otel-harness.js';
import { instrumentKeymesh } from './index.js';

const SECRET_A = 'sk-test-otel-sdk-canary-aaaa';
const SECRET_B = 'sk-test-otel-sdk-canary-bbbb';

const open: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

function otelFor(): Otel {
  const otel = startOtel();
  open.push(() => otel.shutdown());
  return otel;
}

describe('through the SDK adapters, against @keymesh/testing fakes', () => {
  it('an OpenAI client: provider openai, the model from the request, a 429 on a and the rotation to b in both the metrics and the trace', async () => {
    const fake = await startFakeProvider({ provider: 'openai', keys: { [SECRET_A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [SECRET_B]: { kind: 'ok' } } });
    open.push(() => fake.close());
    const client = createKeymesh({
      client: new OpenAI({ apiKey: 'unused-placeholder', baseURL: fake.url }),
      name: 'openai',
      keys: [{ id: 'a', secret: SECRET_A }, { id: 'b', secret: SECRET_B }],
      strategy: 'priority',
    });
    open.push(() => poolOf(client).close());
    const otel = otelFor();
    const handle = instrumentKeymesh(client, { meterProvider: otel.meterProvider, tracerProvider: otel.tracerProvider });
    open.push(() => handle.dispose());
    expect(handle.pools).toEqual(['openai']);

    // The model is the request's scope, as the adapter reads it ('default', so no model, where it reads none).
    let scope = '';
    poolOf(client).on('request.succeeded', (e) => (scope = e.scope));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const model = scope === 'default' ? undefined : scope;

    const [duration] = await otel.points('gen_ai.client.operation.duration');
    expect(duration!.attributes).toEqual({ 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'keymesh.pool.name': 'openai' });
    expect((await otel.points('keymesh.rotations')).map((p) => [p.attributes['keymesh.key.from_id'], p.attributes['keymesh.rotation.reason'], p.value])).toEqual([['a', 'rate_limited', 1]]);
    const [span] = await otel.spans();
    expect(span!.name).toBe(model === undefined ? 'chat' : `chat ${model}`);
    expect(span!.events.map((e) => [e.name, e.attributes!['keymesh.key.id'], e.attributes!['keymesh.attempt.outcome'] ?? e.attributes!['keymesh.rotation.reason']])).toEqual([
      ['keymesh.attempt', 'a', 'rate_limited'],
      ['keymesh.key.rotated', 'b', 'rate_limited'],
      ['keymesh.attempt', 'b', 'ok'],
    ]);
    // The adapter reads the answer's `usage` (the fake counts prompt and completion tokens).
    const tokens = await otel.points('gen_ai.client.token.usage');
    expect(tokens.map((p) => p.attributes['gen_ai.token.type'])).toEqual(['input', 'output']);
    expect(tokens.every((p) => p.sum! > 0)).toBe(true);
    expect(span!.attributes['gen_ai.usage.input_tokens']).toBe(tokens[0]!.sum);
    const text = JSON.stringify([...(await otel.metrics()).values()]) + JSON.stringify([span!.attributes, span!.events, span!.status]);
    for (const secret of [SECRET_A, SECRET_B]) expect(text).not.toContain(secret);
  });

  it('provider names from the adapter: anthropic, gcp.gemini; a bare pool reports none unless providerName is given', async () => {
    const anthropic = createKeymesh({ client: new Anthropic({ apiKey: 'unused' }), name: 'claude', keys: ['sk-test-otel-anthropic-1111'] });
    const gemini = createKeymesh({ client: new GoogleGenAI({ apiKey: 'unused' }), name: 'gemini', keys: ['sk-test-otel-gemini-11111111'] });
    const bare = new KeyPool({ name: 'bare', keys: ['sk-test-otel-bare-111111111'] });
    open.push(() => poolOf(anthropic).close(), () => poolOf(gemini).close(), () => bare.close());
    const otel = otelFor();
    const handle = instrumentKeymesh([anthropic, gemini, bare], { meterProvider: otel.meterProvider, traces: false });
    open.push(() => handle.dispose());
    const providers = Object.fromEntries((await otel.points('keymesh.keys.available')).map((p) => [p.attributes['keymesh.pool.name'], p.attributes['gen_ai.provider.name']]));
    expect(providers).toEqual({ claude: 'anthropic', gemini: 'gcp.gemini', bare: undefined });
    handle.dispose();

    // A fresh reader: an SDK keeps exporting the last value of a series it saw once.
    const fresh = otelFor();
    const named = instrumentKeymesh(bare, { meterProvider: fresh.meterProvider, providerName: 'my-llm' });
    open.push(() => named.dispose());
    expect((await fresh.points('keymesh.keys.available')).map((p) => p.attributes['gen_ai.provider.name'])).toEqual(['my-llm']);
  });
});

describe('keymeshFetch', () => {
  it('a keymeshFetch is a target like a client: provider from its adapter, the model from the body', async () => {
    const fake = await startFakeProvider({ provider: 'gemini', keys: { [SECRET_A]: { kind: 'ok' } } });
    open.push(() => fake.close());
    const fetch = keymeshFetch({ provider: 'gemini', baseURL: fake.url, keys: [{ id: 'a', secret: SECRET_A }] });
    open.push(() => poolOf(fetch).close());
    const otel = otelFor();
    const handle = instrumentKeymesh(fetch, { meterProvider: otel.meterProvider, tracerProvider: otel.tracerProvider });
    open.push(() => handle.dispose());
    const res = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    const [duration] = await otel.points('gen_ai.client.operation.duration');
    expect(duration!.attributes).toMatchObject({ 'gen_ai.provider.name': 'gcp.gemini', 'keymesh.pool.name': 'gemini' });
    const [span] = await otel.spans();
    expect(span!.name).toBe(duration!.attributes['gen_ai.request.model'] === undefined ? 'chat' : `chat ${duration!.attributes['gen_ai.request.model']}`);
  });
});

describe('targets', () => {
  const clients = () => ({
    clients: {
      openai: { client: new OpenAI({ apiKey: 'unused' }), keys: ['sk-test-otel-target-openai-1'] },
      claude: { client: new Anthropic({ apiKey: 'unused' }), keys: ['sk-test-otel-target-claude-1'] },
    },
  });

  it('the Express mesh (or mesh.pools), the Nest KeymeshService, a createKeymeshClients group: every pool, once', async () => {
    const mesh = keymesh(clients());
    open.push(() => mesh.close());
    const group = createKeymeshClients(clients());
    open.push(() => group.close());
    const service = new KeymeshService(group);
    for (const target of [mesh, mesh.pools, service, group, [group.pools.openai, group.pools.openai, group]]) {
      const handle = instrumentKeymesh(target, { meterProvider: otelFor().meterProvider });
      expect(handle.pools).toEqual(['openai', 'claude']);
      handle.dispose();
    }
    const handle = instrumentKeymesh(new Set([mesh.pools.claude]), { meterProvider: otelFor().meterProvider });
    expect(handle.pools).toEqual(['claude']);
    handle.dispose();
  });

  it('refuses what holds no pool, and bad options, with a typed error that names the fix', () => {
    const pool = new KeyPool({ keys: ['sk-test-otel-options-1111111'] });
    open.push(() => pool.close());
    expect(() => instrumentKeymesh(new OpenAI({ apiKey: 'unused' }) as object)).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_UNSUPPORTED_CLIENT' }));
    expect(() => instrumentKeymesh({ openai: 'not a pool' })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_UNSUPPORTED_CLIENT', option: 'target.openai' }));
    expect(() => instrumentKeymesh([])).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_OPTION', message: expect.stringContaining('mesh.pools') }));
    expect(() => instrumentKeymesh(pool, { meterProvder: {} } as never)).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_UNKNOWN_OPTION', option: 'meterProvder' }));
    expect(() => instrumentKeymesh(pool, { maxModels: -1 })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_OPTION', option: 'maxModels' }));
    expect(() => instrumentKeymesh(pool, { providerName: 'Open AI' })).toThrow(expect.objectContaining({ option: 'providerName' }));
    expect(() => instrumentKeymesh(pool, { meterProvider: {} as never })).toThrow(expect.objectContaining({ option: 'meterProvider', message: expect.stringContaining('getMeter') }));
  });
});
