import { randomUUID } from 'node:crypto';
import { keyIdOf } from '@keymesh/core';
import { hasRedis, redisUrl } from '../../keymesh-redis/test/support/redis.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/proxy-harness.js';

// The Redis suite's own probe: CI must have Redis (it throws there without one); elsewhere it says it skipped.
describe.skipIf(!hasRedis)('two proxies sharing one Redis', () => {
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    const prefix = `kmp-test-${randomUUID()}:`;
    const keys = { 'sk-test-shared-limited': { kind: 'rate_limit' as const, limit: 0, windowMs: 60_000 }, 'sk-test-shared-good': { kind: 'ok' as const } };
    a = await startHarness({ openai: { keys } }, { redis: { url: redisUrl, prefix }, providers: { openai: { strategy: 'priority' } } });
    b = await startHarness({ openai: { keys } }, { redis: { url: redisUrl, prefix }, providers: { openai: { strategy: 'priority' } } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('a 429 seen by one sidelines the key in the other, which then never sends it there', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const first = await a.call('/openai/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(first.status).toBe(200);
    expect(a.fakes.openai!.countFor('sk-test-shared-limited')).toBe(1);
    const deadline = Date.now() + 2_000;
    const limitedId = keyIdOf('sk-test-shared-limited');
    // Sidelined in B: the key itself, or its limit for the model, reads unavailable.
    const limitedInB = () => {
      const key = b.proxy.pools.openai!.snapshot().keys.find((k) => k.id === limitedId);
      return key && JSON.stringify(key).includes('"available":false') ? key : undefined;
    };
    while (limitedInB() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(limitedInB()).toBeDefined();
    const second = await b.call('/openai/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(second.status).toBe(200);
    expect(b.fakes.openai!.countFor('sk-test-shared-limited')).toBe(0);
    expect(b.fakes.openai!.countFor('sk-test-shared-good')).toBe(1);
  });
});
