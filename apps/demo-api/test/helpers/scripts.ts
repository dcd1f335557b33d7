import type { KeyBehaviour } from '@keymesh/testing';
import type { FakeKey, FakeScript } from '../../src/upstream/fake-script.js';
import type { ProviderName } from '../../src/upstream/upstream.js';

/** A fake key with a recognisable secret (tests search every output for it). */
export function fakeKey(provider: ProviderName, id: string, behaviour: KeyBehaviour): FakeKey {
  return { id, secret: `sk-test-demo-${provider}-${id}-SECRET-${id.length}${provider.length}zq`, behaviour, script: `test ${id}` };
}

/**
 * Each provider's first key is refused in its own way, the second answers. Under the test pools'
 * `priority` strategy every pool meets its bad key first, so each first request rotates once.
 */
export const ROTATING_SCRIPT: FakeScript = {
  openai: [fakeKey('openai', 'limited', { kind: 'status', status: 429, headers: { 'retry-after-ms': '30000' } }), fakeKey('openai', 'good', { kind: 'ok' })],
  anthropic: [fakeKey('anthropic', 'no-credit', { kind: 'quota' }), fakeKey('anthropic', 'good', { kind: 'ok' })],
  gemini: [fakeKey('gemini', 'revoked', { kind: 'invalid_key' }), fakeKey('gemini', 'good', { kind: 'ok' })],
};

export const USER_HI = [{ role: 'user', content: 'Hi' }];
