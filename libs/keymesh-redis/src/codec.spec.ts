import type { SharedKeyState } from '@keymesh/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeState, encodeMessage, encodeState } from './codec.js';

const time = fc.integer({ min: 0, max: 4_102_444_800_000 });
const states = fc.record<SharedKeyState>({
  cooldownUntil: time,
  breaker: fc.constantFrom('closed', 'open'),
  openUntil: time,
  consecutiveFailures: fc.nat(1_000),
  disabled: fc.option(fc.record({ reason: fc.constantFrom('quota_exhausted', 'key_rejected', 'manual'), until: fc.option(time, { nil: null }) }), { nil: null }),
  updatedAt: time,
  source: fc.uuid(),
  openReason: fc.constantFrom('failures', 'outlier'),
  fingerprint: fc.string({ minLength: 1, maxLength: 16 }),
  operator: fc.constant(true),
}, { requiredKeys: ['cooldownUntil', 'breaker', 'openUntil', 'consecutiveFailures', 'disabled', 'updatedAt', 'source'] });

describe('state codec', () => {
  it('round-trips every state, through storage and through a channel message', () => {
    fc.assert(
      fc.property(states, fc.string(), (state, keyId) => {
        expect(decodeState(encodeState(state))).toEqual(state);
        expect(decodeMessage(encodeMessage('origin-1', keyId, encodeState(state)))).toEqual({ origin: 'origin-1', keyId, state });
      }),
    );
  });

  it('stores only the fields of SharedKeyState, whatever else the object carries', () => {
    const state = { cooldownUntil: 1, breaker: 'closed', openUntil: 0, consecutiveFailures: 0, disabled: null, updatedAt: 2, source: 's', secret: 'sk-leak' } as SharedKeyState;
    expect(encodeState(state)).not.toContain('sk-leak');
  });

  it.each([
    ['not JSON', '{oops'],
    ['wrong breaker', JSON.stringify({ cooldownUntil: 0, breaker: 'half', openUntil: 0, consecutiveFailures: 0, disabled: null, updatedAt: 1, source: 's' })],
    ['infinite time', '{"cooldownUntil":1e999,"breaker":"closed","openUntil":0,"consecutiveFailures":0,"disabled":null,"updatedAt":1,"source":"s"}'],
    ['unknown disabled reason', JSON.stringify({ cooldownUntil: 0, breaker: 'closed', openUntil: 0, consecutiveFailures: 0, disabled: { reason: 'x', until: null }, updatedAt: 1, source: 's' })],
    ['negative failures', JSON.stringify({ cooldownUntil: 0, breaker: 'closed', openUntil: 0, consecutiveFailures: -1, disabled: null, updatedAt: 1, source: 's' })],
  ])('ignores a malformed stored state (%s)', (_name, text) => {
    expect(decodeState(text)).toBeUndefined();
  });

  it.each([
    ['not JSON', '{oops'],
    ['no origin', '{"k":"a","s":null}'],
    ['key id not a string', '{"o":"x","k":1,"s":null}'],
    ['malformed state', '{"o":"x","k":"a","s":{"breaker":"open"}}'],
  ])('ignores a malformed channel message (%s)', (_name, text) => {
    expect(decodeMessage(text)).toBeUndefined();
  });
});
