import express from 'express';
import OpenAI from 'openai';
import request from 'supertest';
import { httpAdapter } from '@keymesh/core';
import { startFakeProvider } from '@keymesh/testing';
import { describe, expect, it } from 'vitest';
import { chatRoutes } from './__tests__/chat-routes.js';
import { closing } from './__tests__/harness.js';
import { manualClock } from './__tests__/manual-clock.js';
import { healthHandler, keymesh, keymeshErrorHandler } from './index.js';

const SECRET_ONE = 'sk-test-health-one-CANARY-aaaaaaaa';
const SECRET_TWO = 'sk-test-health-two-CANARY-bbbbbbbb';

describe('mesh.health', () => {
  it('answers 200 while a key can serve, 503 with every key state once all are rate limited, and 200 again when they recover', async () => {
    // Each key serves one request per 400 ms window. The fake and the pool share a clock that moves
    // only when the test advances it, so the windows end exactly when the test says.
    const clock = manualClock();
    const limited = { kind: 'rate_limit', limit: 1, windowMs: 400 } as const;
    const fake = closing(await startFakeProvider({ provider: 'openai', clock: clock.now, keys: { [SECRET_ONE]: limited, [SECRET_TWO]: limited } }));
    const mesh = closing(
      keymesh({
        clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [{ id: 'one', secret: SECRET_ONE }, { id: 'two', secret: SECRET_TWO }] } },
        clock,
        retry: { budgetMs: 100 }, // fail fast rather than wait out the window
      }),
    );
    const app = express();
    app.use(mesh);
    app.get('/health/keys', mesh.health);
    chatRoutes(app);
    app.use(keymeshErrorHandler());

    const up = await request(app).get('/health/keys').expect(200).expect('content-type', /^application\/json/).expect('cache-control', 'no-store');
    expect(up.body).toMatchObject({ status: 'up', pools: { openai: { healthy: true, available: 2 } } });

    await request(app).post('/chat').expect(200);
    await request(app).post('/chat').expect(200);
    // Both windows are spent: the success headers said `remaining: 0`, so the pool sidelines both
    // keys until their reset and refuses the third request without calling upstream.
    await request(app).post('/chat').expect(503);
    expect(fake.requests).toHaveLength(2);

    const down = await request(app).get('/health/keys').expect(503);
    expect(down.body.status).toBe('down');
    expect(down.body.pools.openai).toMatchObject({ healthy: false, available: 0 });
    expect(down.body.pools.openai.keys).toEqual([
      expect.objectContaining({ id: 'one', hint: 'sk-…aaaa', state: 'closed', available: false, headroom: 0 }),
      expect.objectContaining({ id: 'two', hint: 'sk-…bbbb', state: 'closed', available: false, headroom: 0 }),
    ]);
    expect(down.text).not.toMatch(/CANARY/);

    clock.advance(399);
    await request(app).get('/health/keys').expect(503);
    clock.advance(1);
    await request(app).get('/health/keys').expect(200);
    await request(app).post('/chat').expect(200);
  });

  it('reports a disabled key, and healthHandler() serves the pools of several meshes on one route', async () => {
    const adapter = httpAdapter({ baseURL: 'http://127.0.0.1:1', auth: 'bearer' });
    const a = closing(keymesh({ clients: { alpha: { adapter, keys: [{ id: 'a1', secret: SECRET_ONE }] } } }));
    const b = closing(keymesh({ clients: { beta: { adapter, keys: [{ id: 'b1', secret: SECRET_TWO }] } } }));
    const app = express();
    app.get('/health/keys', healthHandler({ ...a.pools, ...b.pools }));

    expect((await request(app).get('/health/keys').expect(200)).body.pools).toHaveProperty('beta.healthy', true);
    b.pools.beta.disableKey('b1');
    const down = await request(app).get('/health/keys').expect(503);
    expect(down.body.pools.beta.keys[0]).toMatchObject({ id: 'b1', state: 'disabled' });
    expect(down.body.pools.alpha.healthy).toBe(true);
    b.pools.beta.enableKey('b1');
    await request(app).get('/health/keys').expect(200);
  });
});

describe('mesh.health with provider-shaped quotas', () => {
  it('shows each key’s limits per model and warns when keys declared apart turn out to share one quota', async () => {
    // Two keys of one organisation, declared as independent keys: their remaining counts move as one bucket.
    const fake = closing(
      await startFakeProvider({
        provider: 'openai',
        quota: { organizations: { 'org-one': { keys: [SECRET_ONE, SECRET_TWO] } }, limits: { 'gpt-4o-mini': { requestsPerMinute: 1_000, tokensPerMinute: 1_000_000 } } },
      }),
    );
    const mesh = closing(
      keymesh({ clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [{ id: 'one', secret: SECRET_ONE }, { id: 'two', secret: SECRET_TWO }] } }, strategy: 'round-robin' }),
    );
    const app = express();
    app.use(mesh);
    app.get('/health/keys', mesh.health);
    chatRoutes(app);

    for (let i = 0; i < 12 && mesh.pools.openai.snapshot().sharedQuotas.length === 0; i++) await request(app).post('/chat').expect(200);
    const res = await request(app).get('/health/keys').expect(200);
    const [one] = res.body.pools.openai.keys;
    expect(one.limits).toEqual([expect.objectContaining({ scope: 'gpt-4o-mini', available: true, limit: expect.objectContaining({ requests: 1_000 }), remaining: expect.objectContaining({ requests: expect.any(Number) }) })]);
    expect(res.body.warnings).toEqual([expect.stringMatching(/^openai: keys (one, two|two, one) share one provider quota for gpt-4o-mini/)]);
    expect(res.text).not.toContain('CANARY');
  });
});
