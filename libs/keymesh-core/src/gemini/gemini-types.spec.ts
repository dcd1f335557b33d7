/**
 * Type-level: what createKeymesh returns for a genai client is a GoogleGenAI, both ways. These
 * assertions are checked by `tsc` (npm run typecheck); the runtime part only makes sure the
 * values exist.
 */
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { expect, expectTypeOf, it } from 'vitest';
import { createKeymesh, poolOf } from '@keymesh/core/gemini';
import type { KeyPool } from '@keymesh/core';

it('createKeymesh({ client }) is typed as the SDK client, assignable to and from it', async () => {
  const ai = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: 'http://127.0.0.1:9' } });
  const wrapped = createKeymesh({ client: ai, keys: ['sk-test-gemini-types-000000000001'] });
  try {
    expectTypeOf(wrapped).toEqualTypeOf<GoogleGenAI>();
    const toSdk: GoogleGenAI = wrapped;
    const fromSdk: typeof wrapped = ai;
    expectTypeOf(wrapped.models.generateContent).returns.resolves.toEqualTypeOf<GenerateContentResponse>();
    expectTypeOf(wrapped.models.generateContentStream).returns.resolves.toEqualTypeOf<AsyncGenerator<GenerateContentResponse>>();
    expectTypeOf(poolOf(wrapped)).toEqualTypeOf<KeyPool>();
    // Not `any`: an unknown member is a type error.
    // @ts-expect-error -- GoogleGenAI has no such member
    void wrapped.noSuchMember;
    // `keys` is required.
    // @ts-expect-error -- missing keys
    expect(() => createKeymesh({ client: new GoogleGenAI({ apiKey: 'unused' }) })).toThrow();
    expect(toSdk).toBe(fromSdk);
  } finally {
    await poolOf(wrapped).close();
  }
});
