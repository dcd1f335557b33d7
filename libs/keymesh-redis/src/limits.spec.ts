import { describe, expect, it } from 'vitest';
import { LimitTable, type FleetLimits } from './limits.js';

describe('LimitTable', () => {
  it('a pool-wide limit applies to each of its keys; per-key limits win over the default', () => {
    const table = new LimitTable({
      openai: { requests: 500, windowMs: 60_000 },
      anthropic: { default: { requests: 50, windowMs: 60_000 }, keys: { tier4: { requests: 4_000, windowMs: 60_000 } } },
      gemini: { keys: { paid: { requests: 10, windowMs: 1_000 } } },
    });
    expect(table.limitOf('openai', 'any')).toEqual({ requests: 500, windowMs: 60_000 });
    expect(table.limitOf('anthropic', 'tier4')).toEqual({ requests: 4_000, windowMs: 60_000 });
    expect(table.limitOf('anthropic', 'other')).toEqual({ requests: 50, windowMs: 60_000 });
    expect(table.limitOf('gemini', 'paid')).toEqual({ requests: 10, windowMs: 1_000 });
    expect(table.limitOf('gemini', 'free')).toBeUndefined();
    expect(table.limitOf('unknown', 'x')).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['zero requests', { p: { requests: 0, windowMs: 1 } }, 'limits.p.requests'],
    ['fractional window', { p: { requests: 1, windowMs: 0.5 } }, 'limits.p.windowMs'],
    ['missing window', { p: { requests: 1 } }, 'limits.p.windowMs'],
    ['misspelt field', { p: { requests: 1, window: 1_000 } }, 'limits.p.window'],
    ['misspelt pool field', { p: { defaults: { requests: 1, windowMs: 1 } } }, 'limits.p.defaults'],
    ['bad per-key limit', { p: { keys: { k: { requests: -1, windowMs: 1 } } } }, 'limits.p.keys.k.requests'],
    ['not an object', { p: 5 }, 'limits.p'],
  ])('refuses %s with a ConfigError naming where', (_name, limits, option) => {
    expect(() => new LimitTable(limits as FleetLimits)).toThrow(expect.objectContaining({ option }));
  });
});
