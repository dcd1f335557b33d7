import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RandomSource } from '../clock.js';
import { createStrategy, isSelectionStrategy, isStrategyName, strategyNames, type SelectableKey, type StrategyName } from './index.js';

interface TestKey extends SelectableKey {
  id: string;
  index: number;
  weight: number;
  priority: number;
  inFlight: number;
  requests: number;
  headroom: number;
  headroomUnit: number;
  slot: number;
}

function key(index: number, fields: Partial<Omit<TestKey, 'index' | 'slot'>> = {}): TestKey {
  return { id: `k${index}`, index, weight: 1, priority: 0, inFlight: 0, requests: 0, headroom: 1, headroomUnit: 0, slot: -1, ...fields };
}

/** A small, seeded PRNG (mulberry32) so distribution tests are deterministic. */
function seeded(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function counts(pick: () => TestKey | undefined, n: number): Map<string, number> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = pick();
    if (k === undefined) throw new Error('pick() returned undefined on a non-empty set');
    seen.set(k.id, (seen.get(k.id) ?? 0) + 1);
  }
  return seen;
}

// Independent statements of each deterministic ordering, used as oracles.
const leastUsedOrder = (a: TestKey, b: TestKey) => a.inFlight - b.inFlight || a.requests - b.requests || a.index - b.index;
const priorityOrder = (a: TestKey, b: TestKey) => a.priority - b.priority || a.index - b.index;
const headroomOrder = (a: TestKey, b: TestKey) => {
  const ra = a.headroom - a.inFlight * a.headroomUnit;
  const rb = b.headroom - b.inFlight * b.headroomUnit;
  return (ra === rb ? 0 : ra > rb ? -1 : 1) || leastUsedOrder(a, b);
};
const oracles: Partial<Record<StrategyName, (a: TestKey, b: TestKey) => number>> = {
  'least-used': leastUsedOrder,
  priority: priorityOrder,
  headroom: headroomOrder,
};

describe('strategy registry', () => {
  it('knows every built-in name', () => {
    expect([...strategyNames].sort()).toEqual(['headroom', 'least-used', 'priority', 'random', 'round-robin', 'weighted']);
    for (const name of strategyNames) {
      expect(isStrategyName(name)).toBe(true);
      const strategy = createStrategy<TestKey>(name, Math.random);
      expect(strategy.name).toBe(name);
      expect(isSelectionStrategy(strategy)).toBe(true);
      expect(strategy.size).toBe(0);
      expect(strategy.pick()).toBeUndefined();
    }
    expect(isStrategyName('fastest')).toBe(false);
    expect(isStrategyName('toString')).toBe(false);
    expect(isStrategyName(undefined)).toBe(false);
  });
});

// ---- model-based property over every built-in --------------------------------------------------

type Command =
  | { type: 'add'; key: number }
  | { type: 'remove'; key: number }
  | { type: 'update'; key: number; inFlight: number; requests: number; headroom: number; headroomUnit: number }
  | { type: 'pick' };

const command = (keys: number): fc.Arbitrary<Command> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.nat(keys - 1).map((k) => ({ type: 'add' as const, key: k })) },
    { weight: 3, arbitrary: fc.nat(keys - 1).map((k) => ({ type: 'remove' as const, key: k })) },
    {
      weight: 3,
      arbitrary: fc
        .record({
          key: fc.nat(keys - 1),
          inFlight: fc.nat(4),
          requests: fc.nat(6),
          headroom: fc.constantFrom(0, 0.25, 0.5, 0.75, 1),
          headroomUnit: fc.constantFrom(0, 0.01, 0.1, 0.25),
        })
        .map((r) => ({ type: 'update' as const, ...r })),
    },
    { weight: 4, arbitrary: fc.constant({ type: 'pick' as const }) },
  );

describe.each(strategyNames)('%s: model-based property', (name) => {
  it('pick() is always a ready key, undefined iff none; size matches; deterministic orders pick the best', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.integer(),
        fc.array(command(12), { maxLength: 120 }),
        (n, sparse, seed, commands) => {
          const keys = Array.from({ length: n }, (_, i) => key(sparse ? i * 37 + 3 : i, { weight: 1 + (i % 4) * 0.5, priority: (i * 7) % 3 }));
          const strategy = createStrategy<TestKey>(name, seeded(seed));
          const ready = new Set<TestKey>();
          const oracle = oracles[name];
          for (const cmd of commands) {
            const k = cmd.type === 'pick' ? undefined : keys[cmd.key % n]!;
            switch (cmd.type) {
              case 'add':
                // The pool adds a key only when it becomes ready (never twice in a row).
                if (!ready.has(k!)) {
                  strategy.add(k!);
                  ready.add(k!);
                }
                break;
              case 'remove':
                // Removing a key that is not ready must be a no-op.
                strategy.remove(k!);
                ready.delete(k!);
                break;
              case 'update':
                k!.inFlight = cmd.inFlight;
                k!.requests = cmd.requests;
                k!.headroom = cmd.headroom;
                k!.headroomUnit = cmd.headroomUnit;
                strategy.update(k!);
                break;
              case 'pick':
                break;
            }
            expect(strategy.size).toBe(ready.size);
            const picked = strategy.pick();
            if (ready.size === 0) {
              expect(picked).toBeUndefined();
            } else {
              expect(picked).toBeDefined();
              expect(ready.has(picked!)).toBe(true);
              if (oracle) expect(picked).toBe([...ready].sort(oracle)[0]);
            }
            expect(strategy.size).toBe(ready.size);
          }
        },
      ),
      { seed: 0x737472, numRuns: 150 },
    );
  });
});

// ---- round-robin ---------------------------------------------------------------------------------

describe('round-robin', () => {
  it('cycles through the ready keys in order', () => {
    const rr = createStrategy<TestKey>('round-robin', Math.random);
    const [a, b, c] = [key(0), key(1), key(2)];
    rr.add(a);
    rr.add(b);
    rr.add(c);
    expect(Array.from({ length: 7 }, () => rr.pick()!.id)).toEqual(['k0', 'k1', 'k2', 'k0', 'k1', 'k2', 'k0']);
  });

  it('a re-added key joins the end of the current round', () => {
    const rr = createStrategy<TestKey>('round-robin', Math.random);
    const [a, b, c, d] = [key(0), key(1), key(2), key(3)];
    for (const k of [a, b, c, d]) rr.add(k);
    expect(rr.pick()).toBe(a);
    rr.remove(a);
    expect(rr.pick()).toBe(b);
    rr.add(a);
    // Every other ready key (c, d, then b) has its turn before a comes back.
    expect(Array.from({ length: 8 }, () => rr.pick()!.id)).toEqual(['k2', 'k3', 'k1', 'k0', 'k2', 'k3', 'k1', 'k0']);
  });

  it('removing the key under the cursor moves on to the next one', () => {
    const rr = createStrategy<TestKey>('round-robin', Math.random);
    const [a, b, c] = [key(0), key(1), key(2)];
    for (const k of [a, b, c]) rr.add(k);
    expect(rr.pick()).toBe(a);
    rr.remove(b);
    expect(Array.from({ length: 4 }, () => rr.pick()!.id)).toEqual(['k2', 'k0', 'k2', 'k0']);
    rr.remove(a);
    rr.remove(c);
    expect(rr.pick()).toBeUndefined();
    rr.add(b);
    expect(rr.pick()).toBe(b);
    expect(rr.pick()).toBe(b);
  });

  it('property: matches an exact ring model (cursor, insert behind it)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.nat(7).map((k) => ({ op: 'add' as const, k })),
            fc.nat(7).map((k) => ({ op: 'remove' as const, k })),
            fc.constant({ op: 'pick' as const, k: -1 }),
            fc.constant({ op: 'pick' as const, k: -1 }),
          ),
          { maxLength: 150 },
        ),
        (ops) => {
          const keys = Array.from({ length: 8 }, (_, i) => key(i));
          const rr = createStrategy<TestKey>('round-robin', Math.random);
          const ring: TestKey[] = [];
          let cursor = 0;
          for (const { op, k } of ops) {
            if (op === 'add') {
              const item = keys[k]!;
              rr.add(item);
              if (!ring.includes(item)) {
                ring.splice(cursor, 0, item);
                cursor = ring.length === 1 ? 0 : cursor + 1;
              }
            } else if (op === 'remove') {
              const item = keys[k]!;
              rr.remove(item);
              const at = ring.indexOf(item);
              if (at >= 0) {
                ring.splice(at, 1);
                if (at < cursor) cursor--;
                if (cursor >= ring.length) cursor = 0;
              }
            } else {
              const expected = ring[cursor];
              expect(rr.pick()).toBe(expected);
              if (ring.length > 0) cursor = (cursor + 1) % ring.length;
            }
            expect(rr.size).toBe(ring.length);
          }
        },
      ),
      { seed: 0x7272, numRuns: 300 },
    );
  });

  it('property: any window of n consecutive picks over a stable set visits each key once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.nat(30), (n, warmup) => {
        const rr = createStrategy<TestKey>('round-robin', Math.random);
        const keys = Array.from({ length: n }, (_, i) => key(i));
        for (const k of keys) rr.add(k);
        for (let i = 0; i < warmup; i++) rr.pick();
        const window = new Set(Array.from({ length: n }, () => rr.pick()));
        expect(window.size).toBe(n);
      }),
      { seed: 11, numRuns: 100 },
    );
  });
});

// ---- heap strategies -----------------------------------------------------------------------------

describe('least-used', () => {
  it('fewest in flight, then fewest requests, then key order', () => {
    const s = createStrategy<TestKey>('least-used', Math.random);
    const [a, b, c] = [key(0), key(1), key(2)];
    for (const k of [c, b, a]) s.add(k);
    expect(s.pick()).toBe(a);

    a.inFlight = 1;
    s.update(a);
    expect(s.pick()).toBe(b);

    b.inFlight = 1;
    s.update(b);
    expect(s.pick()).toBe(c);

    c.inFlight = 1;
    s.update(c);
    expect(s.pick()).toBe(a); // all at 1 in flight, all at 0 requests: key order

    a.requests = 5;
    b.requests = 2;
    c.requests = 3;
    for (const k of [a, b, c]) s.update(k);
    expect(s.pick()).toBe(b);

    b.inFlight = 2;
    s.update(b);
    expect(s.pick()).toBe(c);

    c.inFlight = 0;
    c.requests = 100;
    s.update(c);
    expect(s.pick()).toBe(c); // in flight beats requests

    s.remove(c);
    expect(s.pick()).toBe(a);
  });

  it('a key added later with lower counters is picked first', () => {
    const s = createStrategy<TestKey>('least-used', Math.random);
    const a = key(0, { inFlight: 2 });
    const b = key(1, { inFlight: 1 });
    s.add(a);
    expect(s.pick()).toBe(a);
    s.add(b);
    expect(s.pick()).toBe(b);
  });
});

describe('priority', () => {
  it('lowest priority value first, ties in key order, lower tiers only when higher ones are gone', () => {
    const s = createStrategy<TestKey>('priority', Math.random);
    const keys = [key(0, { priority: 2 }), key(1, { priority: 1 }), key(2, { priority: 1 }), key(3, { priority: 0 })];
    for (const k of keys) s.add(k);
    expect(s.pick()).toBe(keys[3]);
    // Counters do not matter.
    keys[3]!.inFlight = 50;
    s.update(keys[3]!);
    expect(s.pick()).toBe(keys[3]);
    s.remove(keys[3]!);
    expect(s.pick()).toBe(keys[1]);
    s.remove(keys[1]!);
    expect(s.pick()).toBe(keys[2]);
    s.remove(keys[2]!);
    expect(s.pick()).toBe(keys[0]);
    s.add(keys[1]!);
    expect(s.pick()).toBe(keys[1]);
  });

  it('negative priorities win', () => {
    const s = createStrategy<TestKey>('priority', Math.random);
    const a = key(0, { priority: 0 });
    const b = key(1, { priority: -1 });
    s.add(a);
    s.add(b);
    expect(s.pick()).toBe(b);
  });
});

describe('headroom', () => {
  it('picks the highest headroom − inFlight·headroomUnit', () => {
    const s = createStrategy<TestKey>('headroom', Math.random);
    const a = key(0, { headroom: 0.5, headroomUnit: 0.01 });
    const b = key(1, { headroom: 0.8, headroomUnit: 0.1 });
    s.add(a);
    s.add(b);
    expect(s.pick()).toBe(b);

    b.inFlight = 2; // 0.8 − 0.2 = 0.6 > 0.5
    s.update(b);
    expect(s.pick()).toBe(b);

    b.inFlight = 4; // 0.8 − 0.4 = 0.4 < 0.5
    s.update(b);
    expect(s.pick()).toBe(a);

    a.inFlight = 20; // 0.5 − 0.2 = 0.3 < 0.4
    s.update(a);
    expect(s.pick()).toBe(b);

    a.headroom = 1;
    s.update(a); // 1 − 0.2 = 0.8
    expect(s.pick()).toBe(a);
  });

  it('equal remaining headroom falls back to least-used, then key order', () => {
    const s = createStrategy<TestKey>('headroom', Math.random);
    const a = key(0, { headroom: 1, inFlight: 1 });
    const b = key(1, { headroom: 1, inFlight: 0 });
    const c = key(2, { headroom: 1, inFlight: 0 });
    for (const k of [a, b, c]) s.add(k);
    expect(s.pick()).toBe(b);
    b.requests = 3;
    s.update(b);
    expect(s.pick()).toBe(c);
    c.requests = 3;
    s.update(c);
    expect(s.pick()).toBe(b);
  });

  it('an exhausted key (headroom 0) loses to any key with quota left', () => {
    const s = createStrategy<TestKey>('headroom', Math.random);
    const a = key(0, { headroom: 0, headroomUnit: 0.01 });
    const b = key(1, { headroom: 0.05, headroomUnit: 0.01, inFlight: 4 });
    s.add(a);
    s.add(b);
    expect(s.pick()).toBe(b);
  });
});

// ---- weighted ------------------------------------------------------------------------------------

describe('weighted', () => {
  it('stratified random values split exactly by weight', () => {
    const N = 20_000;
    let i = 0;
    const s = createStrategy<TestKey>('weighted', () => (i++ + 0.5) / N);
    const keys = [key(0, { weight: 1 }), key(1, { weight: 2 }), key(2, { weight: 3 }), key(3, { weight: 4 })];
    for (const k of keys) s.add(k);
    const seen = counts(() => s.pick(), N);
    expect(seen.get('k0')).toBeCloseTo(2000, -1);
    expect(seen.get('k1')).toBeCloseTo(4000, -1);
    expect(seen.get('k2')).toBeCloseTo(6000, -1);
    expect(seen.get('k3')).toBeCloseTo(8000, -1);
  });

  it('a seeded random sequence over 20,000 picks matches the weights within 1.5 points', () => {
    const s = createStrategy<TestKey>('weighted', seeded(12345));
    const keys = [key(0, { weight: 1 }), key(1, { weight: 2 }), key(2, { weight: 3 }), key(3, { weight: 4 })];
    for (const k of keys) s.add(k);
    const seen = counts(() => s.pick(), 20_000);
    for (const k of keys) expect(Math.abs(seen.get(k.id)! / 20_000 - k.weight / 10)).toBeLessThan(0.015);
  });

  it('a removed key is never picked and the others keep their ratio', () => {
    const s = createStrategy<TestKey>('weighted', seeded(777));
    const keys = [key(0, { weight: 1 }), key(1, { weight: 2 }), key(2, { weight: 3 }), key(3, { weight: 4 })];
    for (const k of keys) s.add(k);
    s.remove(keys[3]!);
    s.remove(keys[3]!); // twice: a no-op
    expect(s.size).toBe(3);
    const seen = counts(() => s.pick(), 20_000);
    expect(seen.has('k3')).toBe(false);
    expect(Math.abs(seen.get('k0')! / 20_000 - 1 / 6)).toBeLessThan(0.015);
    expect(Math.abs(seen.get('k1')! / 20_000 - 2 / 6)).toBeLessThan(0.015);
    expect(Math.abs(seen.get('k2')! / 20_000 - 3 / 6)).toBeLessThan(0.015);
  });

  it('keys beyond the initial capacity (index 100, 1000) work', () => {
    const s = createStrategy<TestKey>('weighted', seeded(4242));
    const small = key(2, { weight: 1 });
    const big = key(100, { weight: 3 });
    s.add(small);
    s.add(big);
    expect(s.size).toBe(2);
    let seen = counts(() => s.pick(), 20_000);
    expect(Math.abs(seen.get('k100')! / 20_000 - 0.75)).toBeLessThan(0.015);

    const huge = key(1000, { weight: 4 });
    s.add(huge);
    seen = counts(() => s.pick(), 20_000);
    expect(Math.abs(seen.get('k2')! / 20_000 - 1 / 8)).toBeLessThan(0.015);
    expect(Math.abs(seen.get('k100')! / 20_000 - 3 / 8)).toBeLessThan(0.015);
    expect(Math.abs(seen.get('k1000')! / 20_000 - 4 / 8)).toBeLessThan(0.015);

    s.remove(big);
    seen = counts(() => s.pick(), 5_000);
    expect(seen.has('k100')).toBe(false);
    expect(seen.get('k2')! + seen.get('k1000')!).toBe(5_000);
  });

  it('the extremes of the random range land on the first and the last ready key', () => {
    let r = 0;
    const s = createStrategy<TestKey>('weighted', () => r);
    const keys = [key(0, { weight: 2 }), key(5, { weight: 1 }), key(9, { weight: 2 })];
    for (const k of keys) s.add(k);
    expect(s.pick()).toBe(keys[0]);
    r = 0.999999;
    expect(s.pick()).toBe(keys[2]);
    r = 0.5; // 2.5 of 5: the middle key's [2, 3) band
    expect(s.pick()).toBe(keys[1]);
    // Bands are half-open: a target exactly on a boundary belongs to the next key.
    r = 0.4; // exactly 2 of 5
    expect(s.pick()).toBe(keys[1]);
    r = 0.6; // exactly 3 of 5
    expect(s.pick()).toBe(keys[2]);
  });

  it('fractional weights are honoured', () => {
    const s = createStrategy<TestKey>('weighted', seeded(99));
    const keys = [key(0, { weight: 0.1 }), key(1, { weight: 0.2 }), key(2, { weight: 0.7 })];
    for (const k of keys) s.add(k);
    const seen = counts(() => s.pick(), 20_000);
    for (const k of keys) expect(Math.abs(seen.get(k.id)! / 20_000 - k.weight)).toBeLessThan(0.015);
  });

  it('after churn (many add/remove cycles) a removed key is still never picked', () => {
    const s = createStrategy<TestKey>('weighted', seeded(5));
    const keys = Array.from({ length: 20 }, (_, i) => key(i, { weight: 0.1 + (i % 7) * 0.3 }));
    for (const k of keys) s.add(k);
    for (let round = 0; round < 500; round++) {
      const k = keys[round % 20]!;
      s.remove(k);
      s.add(k);
    }
    for (let i = 0; i < 20; i += 2) s.remove(keys[i]!);
    const seen = counts(() => s.pick(), 5_000);
    for (let i = 0; i < 20; i += 2) expect(seen.has(`k${i}`)).toBe(false);
    for (let i = 1; i < 20; i += 2) expect(seen.get(`k${i}`)).toBeGreaterThan(0);
  });
});

// ---- random --------------------------------------------------------------------------------------

describe('random', () => {
  it('is uniform-ish with a seeded random source', () => {
    const s = createStrategy<TestKey>('random', seeded(2024));
    const keys = [key(0, { weight: 10 }), key(1), key(2, { priority: 5 }), key(3)];
    for (const k of keys) s.add(k);
    const seen = counts(() => s.pick(), 20_000);
    for (const k of keys) expect(Math.abs(seen.get(k.id)! / 20_000 - 0.25)).toBeLessThan(0.015);
  });

  it('a removed key is never picked (swap-remove keeps the rest reachable)', () => {
    const s = createStrategy<TestKey>('random', seeded(8));
    const keys = Array.from({ length: 5 }, (_, i) => key(i));
    for (const k of keys) s.add(k);
    s.remove(keys[1]!);
    s.remove(keys[1]!);
    expect(s.size).toBe(4);
    const seen = counts(() => s.pick(), 8_000);
    expect(seen.has('k1')).toBe(false);
    for (const i of [0, 2, 3, 4]) expect(Math.abs(seen.get(`k${i}`)! / 8_000 - 0.25)).toBeLessThan(0.03);
  });

  it('random values at the edges stay in range', () => {
    let r = 0;
    const s = createStrategy<TestKey>('random', () => r);
    const keys = [key(0), key(1), key(2)];
    for (const k of keys) s.add(k);
    expect(s.pick()).toBe(keys[0]);
    r = 0.9999999;
    expect(s.pick()).toBe(keys[2]);
  });
});
