import { KeyPool } from '@keymesh/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolLabels } from './pool-labels.js';

const pool = new KeyPool({ name: 'labels', keys: ['sk-test-otel-labels-11111111'] });
afterAll(() => pool.close());

describe('PoolLabels: the bounded model attribute', () => {
  it('whatever scopes callers send, at most maxModels names plus _OTHER; each kept name is one of the first distinct short scopes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('gpt-4o', 'gpt-4o-mini', 'default', '_OTHER'), fc.string({ maxLength: 140 })), { maxLength: 80 }), fc.integer({ min: 0, max: 6 }), (scopes, maxModels) => {
        const labels = new PoolLabels(pool, 'openai', maxModels);
        const values = new Set<unknown>();
        for (const scope of scopes) {
          const model = labels.of(scope).request['gen_ai.request.model'];
          if (scope === 'default') expect(model).toBeUndefined();
          else values.add(model);
        }
        values.delete('_OTHER');
        expect(values.size).toBeLessThanOrEqual(maxModels);
        const firstShort = [...new Set(scopes.filter((s) => s !== 'default' && s.length <= 128))].slice(0, maxModels);
        for (const value of values) expect(firstShort).toContain(value);
      }),
    );
  });

  it('the same scope always gets the same attribute objects (no allocation per request)', () => {
    const labels = new PoolLabels(pool, undefined, 4);
    expect(labels.of('gpt-4o')).toBe(labels.of('gpt-4o'));
    expect(labels.of('gpt-4o').spanName).toBe('chat gpt-4o');
    expect(labels.of('default').spanName).toBe('chat');
    expect(labels.pool).toEqual({ 'keymesh.pool.name': 'labels' });
  });
});
