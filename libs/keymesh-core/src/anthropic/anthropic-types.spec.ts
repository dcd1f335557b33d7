import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createKeymesh, poolOf } from '@keymesh/core/anthropic';
import type { KeyPool } from '@keymesh/core';
import { A, CLIENT_KEY } from './__tests__/harness.js';

/** Type-level: checked by `tsc` (npm run typecheck); the runtime part only keeps the test honest. */
describe('types', () => {
  it('createKeymesh({ client }) is typed as the SDK client, assignable both ways', async () => {
    const base = new Anthropic({ apiKey: CLIENT_KEY, baseURL: 'http://127.0.0.1:9' });
    const wrapped = createKeymesh({ client: base, keys: [A] });
    try {
      expectTypeOf(wrapped).toEqualTypeOf<Anthropic>();
      const toSdk: Anthropic = wrapped;
      const fromSdk: typeof wrapped = base;
      expectTypeOf(wrapped.messages.create).toEqualTypeOf<Anthropic['messages']['create']>();
      expectTypeOf(wrapped.withOptions({ timeout: 1 })).toEqualTypeOf<Anthropic>();
      expectTypeOf(poolOf(wrapped)).toEqualTypeOf<KeyPool>();
      expect(toSdk).toBe(wrapped);
      expect(fromSdk).toBe(base);

      class Tuned extends Anthropic {
        readonly tuned = true;
      }
      const tuned = createKeymesh({ client: new Tuned({ apiKey: CLIENT_KEY, baseURL: 'http://127.0.0.1:9' }), keys: [A] });
      expectTypeOf(tuned).toEqualTypeOf<Tuned>();
      expect(tuned.tuned).toBe(true);
      expect(tuned).toBeInstanceOf(Tuned);
      await poolOf(tuned).close();

      // @ts-expect-error keys are required
      expect(() => createKeymesh({ client: base })).toThrow();
    } finally {
      await poolOf(wrapped).close();
    }
  });
});
