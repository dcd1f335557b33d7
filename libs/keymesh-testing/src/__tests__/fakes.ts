import { afterEach } from 'vitest';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '../index.js';

/** Starts fakes that are closed after each test, so a failing test cannot leak a server. */
export function useFakes(): (options: FakeProviderOptions) => Promise<FakeProvider> {
  const open: FakeProvider[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((fake) => fake.close()));
  });
  return async (options) => {
    const fake = await startFakeProvider(options);
    open.push(fake);
    return fake;
  };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2025, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Resolves with the rejection of `promise`, failing if it fulfils. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
