import { GoogleGenAI, type HttpOptions } from '@google/genai';
import { afterEach, beforeEach, expect } from 'vitest';
import { createKeymesh, poolOf } from '@keymesh/core/gemini';
import { keymeshEventNames, type KeyPool, type KeyPoolOptions, type KeymeshEventName, type KeymeshEvents, type WrapOptions } from '@keymesh/core';
import { expectNoSecretIn, notStarted } from '../../__tests__/sdk-helpers.js';
import { startFakeProvider, type FakeProvider, type KeyBehaviour, type SdkFakeProviderOptions } from '@keymesh/testing';

export const MODEL = 'gemini-2.5-flash';
export const TEXT = 'alpha beta gamma delta';
export const PIECES = ['alpha ', 'beta ', 'gamma ', 'delta'];

/** Obviously fake secrets, long enough for a meaningful masked hint. */
export const SECRET = {
  a: 'sk-test-gemini-aaaa-0000000000000001',
  b: 'sk-test-gemini-bbbb-0000000000000002',
  c: 'sk-test-gemini-cccc-0000000000000003',
} as const;
export type KeyId = keyof typeof SECRET;


export type RecordedEvent = { [E in KeymeshEventName]: { name: E } & KeymeshEvents[E] }[KeymeshEventName];

export interface Rig {
  fake: FakeProvider;
  /** The client handed to createKeymesh (genai is patched in place: this is also the wrapped one). */
  ai: GoogleGenAI;
  pool: KeyPool;
  events: RecordedEvent[];
  /** Event names in order, for sequence assertions. */
  names(): string[];
  of<E extends KeymeshEventName>(name: E): Array<KeymeshEvents[E]>;
  /** One key's snapshot entry. */
  key(id: KeyId): ReturnType<KeyPool['snapshot']>['keys'][number];
  count(id: KeyId): number;
  generate(config?: Record<string, unknown>): ReturnType<GoogleGenAI['models']['generateContent']>;
}

export interface RigOptions {
  /** Keys in pool order, each with its fake behaviour. */
  keys: Partial<Record<KeyId, KeyBehaviour>>;
  pool?: Omit<KeyPoolOptions, 'keys'> & WrapOptions;
  httpOptions?: HttpOptions;
  fake?: Omit<SdkFakeProviderOptions, 'provider' | 'keys'>;
}

/** Starts a fake Gemini and a pooled genai client per test; closes both after each test. */
export function useRig(): (options: RigOptions) => Promise<Rig> {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  return async (options) => {
    const fakeKeys: Record<string, KeyBehaviour> = {};
    for (const [id, behaviour] of Object.entries(options.keys)) fakeKeys[SECRET[id as KeyId]] = behaviour!;
    const fake = await startFakeProvider({ provider: 'gemini', text: TEXT, ...options.fake, keys: fakeKeys });
    open.push(() => fake.close());
    const ai = new GoogleGenAI({ apiKey: 'unused', httpOptions: { baseUrl: fake.url, ...options.httpOptions } });
    const wrapped = createKeymesh({
      client: ai,
      name: 'gemini-test',
      keys: Object.keys(options.keys).map((id) => ({ id, secret: SECRET[id as KeyId] })),
      strategy: 'priority',
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      ...options.pool,
    });
    const pool = poolOf(wrapped);
    open.push(() => pool.close());
    const events: RecordedEvent[] = [];
    for (const name of keymeshEventNames.filter(notStarted)) pool.on(name, (payload) => events.push({ name, ...payload } as RecordedEvent));
    return {
      fake,
      ai: wrapped,
      pool,
      events,
      names: () => events.map((e) => e.name),
      of: <E extends KeymeshEventName>(name: E) => events.filter((e) => e.name === name) as unknown as Array<KeymeshEvents[E]>,
      key: (id) => {
        const entry = pool.snapshot().keys.find((k) => k.id === id);
        if (!entry) throw new Error(`no key ${id}`);
        return entry;
      },
      count: (id) => fake.countFor(SECRET[id]),
      generate: (config) => wrapped.models.generateContent({ model: MODEL, contents: 'hi', ...(config ? { config } : {}) }),
    };
  };
}

/** genai's ApiError message is the JSON error body (after an optional prefix). */
export function bodyOf(error: unknown): { error: { code: number; status: string; message: string; details?: Array<Record<string, unknown>> } } {
  const message = (error as Error).message;
  return JSON.parse(message.slice(message.indexOf('{')));
}

/** Collects every chunk's text, and the error that ended the iteration (if any). */
export async function drain(stream: AsyncIterable<{ text?: string | undefined }>): Promise<{ pieces: string[]; error: unknown; times: number[] }> {
  const pieces: string[] = [];
  const times: number[] = [];
  try {
    for await (const chunk of stream) {
      pieces.push(chunk.text ?? '');
      times.push(performance.now());
    }
  } catch (error) {
    return { pieces, error, times };
  }
  return { pieces, error: undefined, times };
}

/** Asserts that nothing in `value` (events, snapshots, errors) spells out a pooled secret. */
export function expectNoSecret(value: unknown): void {
  expectNoSecretIn(value, Object.values(SECRET));
}

export { rejection, sleep, trackUnhandledRejections } from '../../__tests__/sdk-helpers.js';
