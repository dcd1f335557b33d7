import type { KeymeshEventName } from '../events/pool-events.js';
import { afterEach, beforeEach, expect } from 'vitest';

/** Resolves with the rejection of `promise`; fails the test if it fulfils. */
export async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a result');
}

/**
 * Collects `unhandledRejection`s while each test of the enclosing block runs, and fails the test
 * if there was any (vitest reports them too, but only after the run; this pins them to the test).
 */
export function trackUnhandledRejections(): { readonly seen: unknown[] } {
  const state = { seen: [] as unknown[] };
  const listener = (reason: unknown) => state.seen.push(reason);
  beforeEach(() => {
    state.seen = [];
    process.on('unhandledRejection', listener);
  });
  afterEach(async () => {
    // Let late rejections (an SDK helper's internal promises) surface before checking.
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off('unhandledRejection', listener);
    expect(state.seen).toEqual([]);
  });
  return state;
}

/** Asserts that `value` (events, snapshots, errors, text) spells out none of `secrets`. */
export function expectNoSecretIn(value: unknown, secrets: readonly string[]): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** Waits for `ms` of real time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every event but `request.started`: the SDK suites assert what happened to a request, not that it began. */
export const notStarted = (name: KeymeshEventName): boolean => name !== 'request.started';
