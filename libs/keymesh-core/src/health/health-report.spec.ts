import { describe, expect, it, vi } from 'vitest';
import { KeyPool, healthReport } from '../index.js';
import { ManualClock, httpError, secrets } from '../__tests__/manual-clock.js';

describe('healthReport', () => {
  it('shows each key’s limits per scope and any shared-quota finding, and no secret', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const clock = new ManualClock();
    const pool = new KeyPool({ name: 'openai', keys: secrets.slice(0, 2).map((secret, i) => ({ id: 'ab'[i]!, secret })), clock, strategy: 'priority' });
    await pool.execute(async (key, ctx) => {
      if (key.id === 'a') throw httpError(429, { 'retry-after': '30' });
      ctx.observe({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-reset-requests': '120ms' });
      return key.id;
    }, { scope: 'gpt-4o' });
    const report = healthReport({ openai: pool });
    expect(report.status).toBe('up');
    const [a, b] = report.pools.openai!.keys;
    expect(a!.limits).toEqual([{ scope: 'gpt-4o', available: false, availableAt: clock.now() + 30_000, remaining: {}, reserved: {}, limit: {} }]);
    expect(b!.limits).toEqual([{ scope: 'gpt-4o', available: true, availableAt: 0, remaining: { requests: 499 }, reserved: { requests: 0 }, limit: { requests: 500 } }]);
    expect(report.pools.openai!.sharedQuotas).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(secrets[0]!);
    vi.restoreAllMocks();
  });
});
