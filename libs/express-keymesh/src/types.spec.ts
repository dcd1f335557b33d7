import type { IncomingMessage } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import express, { type Request } from 'express';
import OpenAI from 'openai';
import { httpAdapter, type HttpClient, type KeyPool } from '@keymesh/core';
import { describe, expectTypeOf, it } from 'vitest';
import './__tests__/declare-clients.js';
import { keymesh, keymeshErrorHandler, signalOf, type ClientsOf } from './index.js';

// Type-level checks: `npx tsc -p tsconfig.json --noEmit` from the repo root is the real test; at run
// time these only confirm the module loads. Nothing here is called, so no pool is ever created.

function makeMesh() {
  return keymesh({
    clients: {
      openai: { client: new OpenAI({ apiKey: 'unused' }), keys: ['sk-a'] },
      claude: { client: new Anthropic({ apiKey: 'unused' }), keys: ['sk-b'], strategy: 'priority' },
      api: { adapter: httpAdapter({ baseURL: 'http://127.0.0.1:1', auth: 'bearer' }), keys: ['sk-c'] },
    },
    retry: { maxAttempts: 3 },
  });
}
type Mesh = ReturnType<typeof makeMesh>;

// The second way to declare: derive the names and types from the middleware itself.
declare module './index.js' {
  interface KeymeshClients extends Pick<ClientsOf<Mesh>, 'claude'> {}
}

function routes(app: express.Express, mesh: Mesh) {
  app.use(mesh);
  app.get('/health/keys', mesh.health);
  app.post('/chat', async (req, res) => {
    expectTypeOf(req.llm.openai).toEqualTypeOf<OpenAI>();
    expectTypeOf(req.llm.http).toEqualTypeOf<HttpClient>();
    expectTypeOf(req.llm.claude).toEqualTypeOf<Anthropic>();
    // @ts-expect-error a client name nobody declared
    void req.llm.gemini;
    // @ts-expect-error the clients are read-only
    req.llm.openai = new OpenAI({ apiKey: 'unused' });
    const completion = await req.llm.openai.chat.completions.create({ model: 'm', messages: [] }, { signal: signalOf(req) });
    res.json(completion.choices[0]?.message);
  });
  app.use(keymeshErrorHandler());
  expectTypeOf(signalOf).parameter(0).toExtend<IncomingMessage>();
  expectTypeOf<Request>().toHaveProperty('llm');
}

describe('types', () => {
  it('infers each client from its config and each pool from its name', () => {
    expectTypeOf<Mesh['clients']['openai']>().toEqualTypeOf<OpenAI>();
    expectTypeOf<Mesh['clients']['claude']>().toEqualTypeOf<Anthropic>();
    expectTypeOf<Mesh['clients']['api']>().toEqualTypeOf<HttpClient>();
    expectTypeOf<Mesh['pools']['api']>().toEqualTypeOf<KeyPool>();
    expectTypeOf<Mesh['close']>().returns.resolves.toBeVoid();
    // @ts-expect-error no pool of that name
    expectTypeOf<Mesh['pools']['gemini']>();
    expectTypeOf(routes).toBeFunction();
  });

  it('refuses options that are not pool options', () => {
    const wrong = () =>
      keymesh({
        clients: { openai: { client: new OpenAI({ apiKey: 'unused' }), keys: ['sk-a'] } },
        // @ts-expect-error misspelt option
        stratgy: 'priority',
      });
    expectTypeOf(wrong).toBeFunction();
    const wrongInClient = () =>
      keymesh({
        // @ts-expect-error misspelt option of one client (its config is inferred, so only ExactClientConfigs catches it)
        clients: { openai: { client: new OpenAI({ apiKey: 'unused' }), keys: ['sk-a'], stratgy: 'priority' } },
      });
    expectTypeOf(wrongInClient).toBeFunction();
  });
});
