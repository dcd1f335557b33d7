import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IndexedHeap } from './indexed-heap.js';

interface Item {
  id: number;
  value: number;
  slot: number;
}

const byValueThenId = (a: Item, b: Item) => a.value - b.value || a.id - b.id;

function makeHeap(): IndexedHeap<Item> {
  return new IndexedHeap<Item>(
    (a, b) => byValueThenId(a, b) < 0,
    (item) => item.slot,
    (item, slot) => (item.slot = slot),
  );
}

const item = (id: number, value: number): Item => ({ id, value, slot: -1 });

describe('IndexedHeap', () => {
  it('empty heap', () => {
    const heap = makeHeap();
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
  });

  it('peek is the minimum; pop drains in order', () => {
    const heap = makeHeap();
    const items = [5, 3, 8, 1, 9, 2, 7].map((v, i) => item(i, v));
    for (const it of items) heap.push(it);
    expect(heap.size).toBe(7);
    expect(heap.peek()!.value).toBe(1);
    const drained: number[] = [];
    for (let top = heap.pop(); top !== undefined; top = heap.pop()) drained.push(top.value);
    expect(drained).toEqual([1, 2, 3, 5, 7, 8, 9]);
    expect(items.every((it) => it.slot === -1)).toBe(true);
  });

  it('remove of an arbitrary item keeps the order; removing twice or a stranger is a no-op', () => {
    const heap = makeHeap();
    const items = [4, 1, 6, 2, 5].map((v, i) => item(i, v));
    for (const it of items) heap.push(it);
    heap.remove(items[1]!); // value 1, the top
    expect(heap.peek()!.value).toBe(2);
    expect(heap.has(items[1]!)).toBe(false);
    expect(items[1]!.slot).toBe(-1);
    heap.remove(items[1]!);
    expect(heap.size).toBe(4);
    const stranger = item(99, 0);
    stranger.slot = 0; // a stale slot that points at someone else's position
    heap.remove(stranger);
    expect(heap.size).toBe(4);
    expect(heap.peek()!.value).toBe(2);
  });

  it('update re-sifts an item up or down after its value changed', () => {
    const heap = makeHeap();
    const items = [10, 20, 30, 40].map((v, i) => item(i, v));
    for (const it of items) heap.push(it);
    items[3]!.value = 5;
    heap.update(items[3]!);
    expect(heap.peek()).toBe(items[3]);
    items[3]!.value = 50;
    heap.update(items[3]!);
    expect(heap.peek()).toBe(items[0]);
    items[0]!.value = 35;
    heap.update(items[0]!);
    expect(heap.peek()).toBe(items[1]);
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()]).toEqual([items[1], items[2], items[0], items[3]]);
  });

  it('update of an item that is not in the heap does nothing', () => {
    const heap = makeHeap();
    heap.push(item(0, 1));
    const outsider = item(1, 0);
    heap.update(outsider);
    expect(heap.size).toBe(1);
    expect(heap.peek()!.id).toBe(0);
  });

  it('property: matches a sorted array under random push / remove / update / pop', () => {
    type Op =
      | { op: 'push'; value: number }
      | { op: 'remove'; pick: number }
      | { op: 'update'; pick: number; value: number }
      | { op: 'pop' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: -50, max: 50 }).map((value) => ({ op: 'push' as const, value })) },
      { weight: 2, arbitrary: fc.nat().map((pick) => ({ op: 'remove' as const, pick })) },
      { weight: 3, arbitrary: fc.tuple(fc.nat(), fc.integer({ min: -50, max: 50 })).map(([pick, value]) => ({ op: 'update' as const, pick, value })) },
      { weight: 1, arbitrary: fc.constant({ op: 'pop' as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = makeHeap();
        const all: Item[] = [];
        let model: Item[] = [];
        for (const o of ops) {
          switch (o.op) {
            case 'push': {
              const it = item(all.length, o.value);
              all.push(it);
              heap.push(it);
              model.push(it);
              break;
            }
            case 'remove': {
              // Sometimes an item that was already removed: must be a no-op.
              if (all.length === 0) break;
              const it = all[o.pick % all.length]!;
              heap.remove(it);
              model = model.filter((m) => m !== it);
              break;
            }
            case 'update': {
              if (all.length === 0) break;
              const it = all[o.pick % all.length]!;
              it.value = o.value;
              heap.update(it);
              break;
            }
            case 'pop': {
              const sorted = [...model].sort(byValueThenId);
              expect(heap.pop()).toBe(sorted[0]);
              model = sorted.slice(1);
              break;
            }
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe([...model].sort(byValueThenId)[0]);
          for (const it of all) expect(heap.has(it)).toBe(model.includes(it));
        }
        const drained: Item[] = [];
        for (let top = heap.pop(); top !== undefined; top = heap.pop()) drained.push(top);
        expect(drained).toEqual([...model].sort(byValueThenId));
      }),
      { seed: 0x68656170, numRuns: 300 },
    );
  });
});
