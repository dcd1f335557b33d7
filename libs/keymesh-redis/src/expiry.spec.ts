import type { SharedKeyState } from '@keymesh/core';
import { describe, expect, it } from 'vitest';
import { expiryMs, inForce } from './expiry.js';

const at = 1_700_000_000_000;
const state = (overrides: Partial<SharedKeyState>): SharedKeyState => ({ cooldownUntil: 0, breaker: 'closed', openUntil: 0, consecutiveFailures: 0, disabled: null, updatedAt: at, source: 's', ...overrides });
const day = 86_400_000;

describe('expiryMs', () => {
  it('is at least ttlMs, and longer while a cooldown, open breaker or timed disable lasts', () => {
    expect(expiryMs(state({}), day)).toBe(day);
    expect(expiryMs(state({ cooldownUntil: at + 2 * day }), day)).toBe(2 * day);
    expect(expiryMs(state({ breaker: 'open', openUntil: at + 3 * day }), day)).toBe(3 * day);
    expect(expiryMs(state({ disabled: { reason: 'quota_exhausted', until: at + 1.5 * day } }), day)).toBe(1.5 * day);
    expect(expiryMs(state({ disabled: { reason: 'key_rejected', until: null } }), day)).toBe(day);
  });
});

describe('inForce', () => {
  it('tells states that still change what a pool does from plain closed ones', () => {
    expect(inForce(state({}), at)).toBe(false);
    expect(inForce(state({ cooldownUntil: at - 1 }), at)).toBe(false);
    expect(inForce(state({ cooldownUntil: at + 1 }), at)).toBe(true);
    expect(inForce(state({ breaker: 'open', openUntil: at - 1 }), at)).toBe(true);
    expect(inForce(state({ disabled: { reason: 'manual', until: null } }), at)).toBe(true);
    expect(inForce(state({ disabled: { reason: 'quota_exhausted', until: at - 1 } }), at)).toBe(false);
  });
});
