import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedWindow } from './rate-window.js';

describe('FixedWindow', () => {
  it('allows `limit` requests, then reports the exact time to the window end', () => {
    const w = new FixedWindow(2, 1_000);
    expect(w.take(0)).toEqual({ allowed: true, limit: 2, remaining: 1, resetMs: 1_000 });
    expect(w.take(100)).toEqual({ allowed: true, limit: 2, remaining: 0, resetMs: 900 });
    expect(w.take(400)).toEqual({ allowed: false, limit: 2, remaining: 0, resetMs: 600 });
    expect(w.take(1_000)).toEqual({ allowed: true, limit: 2, remaining: 1, resetMs: 1_000 });
  });

  it('property: a rejected request is rejected until its hint passes, and allowed right at the hint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 60 }),
        (limit, windowMs, gaps) => {
          const w = new FixedWindow(limit, windowMs);
          let now = 0;
          let blockedUntil: number | undefined;
          for (const gap of gaps) {
            now += gap;
            const r = w.take(now);
            if (blockedUntil !== undefined && now < blockedUntil) expect(r.allowed).toBe(false);
            if (blockedUntil !== undefined && now >= blockedUntil) {
              expect(r.allowed).toBe(true);
              blockedUntil = undefined;
            }
            if (!r.allowed) blockedUntil = now + r.resetMs;
            expect(r.resetMs).toBeGreaterThan(0);
            expect(r.resetMs).toBeLessThanOrEqual(windowMs);
          }
        },
      ),
    );
  });

  it('with an anchor, windows follow each other without gaps, whenever requests arrive', () => {
    const w = new FixedWindow(1, 1_000, 200);
    expect(w.take(1_700)).toEqual({ allowed: true, limit: 1, remaining: 0, resetMs: 500 });
    expect(w.take(2_199).allowed).toBe(false);
    expect(w.take(2_200)).toEqual({ allowed: true, limit: 1, remaining: 0, resetMs: 1_000 });
    expect(w.take(9_999)).toEqual({ allowed: true, limit: 1, remaining: 0, resetMs: 201 });
    expect(w.take(100)).toEqual({ allowed: true, limit: 1, remaining: 0, resetMs: 100 });
  });

  it('starts a new window when the clock moves backwards', () => {
    const w = new FixedWindow(1, 1_000);
    w.take(5_000);
    expect(w.take(5_001).allowed).toBe(false);
    expect(w.take(0).allowed).toBe(true);
  });
});
