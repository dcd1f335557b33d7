import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Limit, type Reservation } from './limit.js';
import { costIn } from './dimensions.js';

const T0 = 1_700_000_000_000;
const holder = (): Reservation => ({ limit: undefined, limitSequence: 0, cost: undefined, reserved: false });
const tokens = (remaining: number, resetMs = 60_000, limit = 10_000) => [{ dimension: 'tokens' as const, limit, remaining, resetMs }];

describe('Limit: readings, reservations, admission', () => {
  it('admits while the reading less the reservations covers the cost', () => {
    const limit = new Limit('m');
    const first = holder();
    limit.reserve(first, { tokens: 500 });
    expect(limit.admits({ tokens: 5_000 }, T0)).toBe(true); // no reading yet
    limit.read(first.limitSequence, tokens(1_000), T0);
    expect(first.reserved).toBe(false); // counted by its own reading
    const a = holder();
    limit.reserve(a, { tokens: 800 });
    expect(limit.admits({ tokens: 200 }, T0)).toBe(true);
    expect(limit.admits({ tokens: 201 }, T0)).toBe(false);
    expect(limit.freeAt({ tokens: 201 }, T0)).toBe(T0 + 60_000);
    limit.release(a);
    expect(limit.admits({ tokens: 1_000 }, T0)).toBe(true);
    // Once the window has reset the reading says nothing any more.
    expect(limit.admits({ tokens: 9_000 }, T0 + 60_000)).toBe(true);
  });

  it('a reading from an older answer changes nothing; a newer one drops the claims it already counts', () => {
    const limit = new Limit('m');
    const [a, b, c] = [holder(), holder(), holder()];
    limit.reserve(a, { tokens: 1 });
    limit.read(1, tokens(900), T0);
    limit.reserve(b, { tokens: 100 });
    limit.reserve(c, { tokens: 100 });
    expect(Array.from(limit.reserved)).toEqual([2, 200, 0, 0]);
    expect(limit.read(c.limitSequence, tokens(700), T0)).toBe(true);
    expect([b.reserved, c.reserved]).toEqual([false, false]);
    expect(Array.from(limit.reserved)).toEqual([0, 0, 0, 0]);
    expect(limit.read(b.limitSequence, tokens(800), T0)).toBe(false);
    expect(limit.remaining[1]).toBe(700);
  });

  it('a cost larger than the whole limit is admitted once the window is fresh, never deadlocked', () => {
    const limit = new Limit('m');
    const a = holder();
    limit.reserve(a, undefined);
    limit.read(a.limitSequence, tokens(9_000, 10_000), T0);
    expect(limit.admits({ tokens: 50_000 }, T0)).toBe(false);
    expect(limit.freeAt({ tokens: 50_000 }, T0)).toBe(T0 + 10_000);
    expect(limit.admits({ tokens: 50_000 }, T0 + 10_000)).toBe(true);
    limit.read(a.limitSequence, tokens(10_000, 10_000), T0);
    expect(limit.admits({ tokens: 50_000 }, T0)).toBe(true); // a full window: sent, the provider decides
  });

  it('input and output tokens are admitted separately (Anthropic)', () => {
    const limit = new Limit('claude');
    const a = holder();
    limit.reserve(a, undefined);
    limit.read(a.limitSequence, [
      { dimension: 'input_tokens', limit: 40_000, remaining: 5_000, resetMs: 30_000 },
      { dimension: 'output_tokens', limit: 8_000, remaining: 100, resetMs: 30_000 },
    ], T0);
    expect(limit.admits({ inputTokens: 4_000, outputTokens: 100 }, T0)).toBe(true);
    expect(limit.admits({ inputTokens: 4_000, outputTokens: 101 }, T0)).toBe(false);
    expect(limit.admits({ inputTokens: 5_001, outputTokens: 1 }, T0)).toBe(false);
  });

  it('without a reset, a short reading blocks only while requests sent since are in flight', () => {
    const limit = new Limit('m');
    const a = holder();
    limit.reserve(a, undefined);
    limit.read(a.limitSequence, [{ dimension: 'requests', limit: 10, remaining: 1, resetMs: undefined }], T0);
    const b = holder();
    limit.reserve(b, undefined);
    expect(limit.admits(undefined, T0)).toBe(false);
    expect(limit.freeAt(undefined, T0)).toBe(Infinity);
    limit.release(b);
    expect(limit.admits(undefined, T0)).toBe(true);
  });

  it('property: reservations never go negative and never leak; each is released exactly once', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), tokens: fc.nat(2_000), input: fc.option(fc.nat(500), { nil: undefined }) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('read' as const), pick: fc.nat(), remaining: fc.nat(10_000) }),
      fc.record({ kind: fc.constant('close' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const limit = new Limit('m');
        const holders: Reservation[] = [];
        const releases = new Map<Reservation, number>();
        const open = () => holders.filter((h) => h.reserved);
        for (const step of ops) {
          if (step.kind === 'reserve') {
            const h = holder();
            limit.reserve(h, { tokens: step.tokens, inputTokens: step.input });
            holders.push(h);
          } else if (step.kind === 'release' && holders.length > 0) {
            const h = holders[step.pick % holders.length]!;
            if (h.reserved) releases.set(h, (releases.get(h) ?? 0) + 1);
            limit.release(h);
            limit.release(h); // a second release does nothing
          } else if (step.kind === 'read' && holders.length > 0) {
            const h = holders[step.pick % holders.length]!;
            limit.read(h.limitSequence, tokens(step.remaining), 0);
          } else if (step.kind === 'close') {
            limit.releaseAll();
          }
          for (let d = 0; d < 4; d++) {
            const expected = open().reduce((sum, h) => sum + costIn(h.cost, d), 0);
            expect(limit.reserved[d]).toBe(expected);
            expect(limit.reserved[d]).toBeGreaterThanOrEqual(0);
          }
          expect(limit.pendingCount).toBeGreaterThanOrEqual(open().length);
        }
        limit.releaseAll();
        expect(open()).toEqual([]);
        expect(Array.from(limit.reserved)).toEqual([0, 0, 0, 0]);
        expect([...releases.values()].every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
