import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../__tests__/manual-clock.js';
import { MemoryStore } from '../store/memory-store.js';
import type { SharedKeyState } from '../store/state-store.js';
import { KeyPool } from './key-pool.js';
import { boundShared, clockSkewAllowanceMs, fingerprintOf } from './shared-state.js';

/** What a pool takes from any store (issue 13 item 5, core side): bounded, never from the future, never another secret's. */
const bounds = { maxCooldownMs: 86_400_000, quotaCooldownMs: 3_600_000, breakerCooldownMs: 30_000 };
const time = fc.oneof(fc.double({ min: 0, max: 1e300, noNaN: true }), fc.integer({ min: 0, max: 4_102_444_800_000 }));
const states = fc.record<SharedKeyState>({
  cooldownUntil: time,
  breaker: fc.constantFrom('closed', 'open'),
  openUntil: time,
  consecutiveFailures: fc.nat(100),
  disabled: fc.option(fc.record({ reason: fc.constantFrom('quota_exhausted', 'key_rejected', 'manual'), until: fc.option(time, { nil: null }) }), { nil: null }),
  updatedAt: time,
  source: fc.constant('elsewhere'),
});

function state(now: number, overrides: Partial<SharedKeyState> = {}): SharedKeyState {
  return { cooldownUntil: 0, breaker: 'closed', openUntil: 0, consecutiveFailures: 0, disabled: null, updatedAt: now, source: 'elsewhere', ...overrides };
}

describe('boundShared', () => {
  it('never yields a time past what the pool itself would set, whatever the store held', () => {
    fc.assert(
      fc.property(states, fc.integer({ min: 0, max: 4_102_444_800_000 }), (stored, now) => {
        const bounded = boundShared(stored, now, bounds);
        expect(bounded.cooldownUntil).toBeLessThanOrEqual(now + bounds.maxCooldownMs);
        expect(bounded.openUntil).toBeLessThanOrEqual(now + bounds.maxCooldownMs);
        if (bounded.disabled?.until != null) expect(bounded.disabled.until).toBeLessThanOrEqual(now + bounds.maxCooldownMs);
        if (stored.disabled?.reason === 'quota_exhausted') expect(bounded.disabled!.until).not.toBeNull();
        // Only cut, never stretched.
        expect(bounded.cooldownUntil).toBeLessThanOrEqual(stored.cooldownUntil);
        expect(bounded.openUntil).toBeLessThanOrEqual(stored.openUntil);
      }),
    );
  });
});

describe('a pool on any shared store', () => {
  const keys = [
    { id: 'a', secret: 'sk-test-bounds-aaaaaaaaaaaaaaaaaaaa' },
    { id: 'b', secret: 'sk-test-bounds-bbbbbbbbbbbbbbbbbbbb' },
  ];

  async function poolOn(store: MemoryStore, clock: ManualClock): Promise<KeyPool & { codes: string[] }> {
    const pool = new KeyPool({ name: 'p', keys, strategy: 'priority', store, clock, maxCooldownMs: 60_000 }) as KeyPool & { codes: string[] };
    pool.codes = [];
    pool.on('store.error', (e) => void pool.codes.push(e.code ?? ''));
    await pool.execute((key) => key.id);
    return pool;
  }

  it('bounds what it loads and what it hears, refuses future stamps and states of another secret under the same id', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    const now = clock.now();
    store.save('p', 'a', state(now, { breaker: 'open', openUntil: 1e300, consecutiveFailures: 3 }));
    store.save('p', 'b', state(now + clockSkewAllowanceMs + 1, { disabled: { reason: 'manual', until: null } }));
    const pool = await poolOn(store, clock);
    expect(pool.snapshot().keys[0]).toMatchObject({ state: 'open' });
    expect(pool.snapshot().keys[0]!.availableAt).toBeLessThanOrEqual(now + 60_000);
    expect(pool.snapshot().keys[1]).toMatchObject({ state: 'closed', available: true });
    expect(pool.codes).toContain('ERR_KEYMESH_CLOCK_SKEW');

    // Heard while running: another secret's state under id b is ignored and reported; b's own applies.
    // (The store disbelieves the future stamp it holds for b, so these later writes are kept.)
    store.save('p', 'b', state(now + 1, { disabled: { reason: 'key_rejected', until: null }, fingerprint: fingerprintOf('sk-test-another-deployment-b') }));
    await Promise.resolve();
    expect(pool.snapshot().keys[1]!.state).toBe('closed');
    expect(pool.codes).toContain('ERR_KEYMESH_KEY_MISMATCH');
    store.save('p', 'b', state(now + 2, { disabled: { reason: 'key_rejected', until: null }, fingerprint: fingerprintOf(keys[1]!.secret) }));
    await Promise.resolve();
    expect(pool.snapshot().keys[1]!.state).toBe('disabled');
  });

  it("an operator's enableKey wins over a state stamped (within the allowance) after it", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    const [one, two] = [await poolOn(store, clock), await poolOn(store, clock)];
    store.save('p', 'a', state(clock.now() + 3_000, { disabled: { reason: 'key_rejected', until: null } }));
    await Promise.resolve();
    expect(two.snapshot().keys[0]!.state).toBe('disabled');
    one.enableKey('a');
    await Promise.resolve();
    expect(two.snapshot().keys[0]).toMatchObject({ state: 'closed', available: true });
  });
});
