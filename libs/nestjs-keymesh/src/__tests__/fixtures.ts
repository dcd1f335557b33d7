import { startFakeProvider, type FakeProvider } from '@keymesh/testing';

export const OPENAI_A = 'sk-test-nest-openai-aaaaaaaaaaaa';
export const OPENAI_B = 'sk-test-nest-openai-bbbbbbbbbbbb';
export const ANTHROPIC_A = 'sk-test-nest-anthropic-aaaaaaaa';

/** Fakes started for one test and closed after it. */
export class Fakes {
  readonly #open: FakeProvider[] = [];

  async start(...args: Parameters<typeof startFakeProvider>): Promise<FakeProvider> {
    const fake = await startFakeProvider(...args);
    this.#open.push(fake);
    return fake;
  }

  async close(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((fake) => fake.close()));
  }
}
