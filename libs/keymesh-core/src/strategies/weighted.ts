import type { RandomSource } from '../clock.js';
import type { SelectableKey, SelectionStrategy } from './strategy.js';

/**
 * `weighted`: a ready key is picked with probability weight / (sum of ready weights).
 * A Fenwick (binary indexed) tree over key positions gives O(log n) picks and updates.
 */
export class WeightedStrategy<K extends SelectableKey> implements SelectionStrategy<K> {
  readonly name = 'weighted';
  #tree = new Float64Array(16);
  #keys: (K | undefined)[] = new Array(16);
  #size = 0;
  #total = 0;

  constructor(private readonly random: RandomSource) {}

  get size(): number {
    return this.#size;
  }

  add(key: K): void {
    if (key.slot >= 0) return;
    if (key.index >= this.#keys.length) this.#grow(key.index + 1);
    key.slot = key.index;
    this.#keys[key.index] = key;
    this.#size++;
    this.#change(key.index, key.weight);
  }

  remove(key: K): void {
    if (key.slot < 0 || this.#keys[key.slot] !== key) return;
    this.#keys[key.slot] = undefined;
    this.#change(key.slot, -key.weight);
    key.slot = -1;
    this.#size--;
    // Float sums drift a little with every add/remove; restart from exact zero when empty.
    if (this.#size === 0) {
      this.#tree.fill(0);
      this.#total = 0;
    }
  }

  pick(): K | undefined {
    if (this.#size === 0) return undefined;
    const key = this.#keys[this.#find(this.random() * this.#total)];
    if (key !== undefined) return key;
    // Rounding can land on an empty slot; rebuilding the sums from the weights fixes it.
    this.#rebuild(this.#keys.length);
    return this.#keys[this.#find(this.random() * this.#total)] ?? this.#keys.find((k) => k !== undefined);
  }

  update(): void {}

  #change(position: number, delta: number): void {
    this.#total += delta;
    const tree = this.#tree;
    for (let i = position + 1; i <= tree.length; i += i & -i) tree[i - 1]! += delta;
  }

  /** The smallest position whose prefix sum exceeds `target`. */
  #find(target: number): number {
    const tree = this.#tree;
    let position = 0;
    let step = 1;
    while (step * 2 <= tree.length) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = position + step;
      if (next <= tree.length && tree[next - 1]! <= target) {
        position = next;
        target -= tree[next - 1]!;
      }
    }
    return Math.min(position, this.#keys.length - 1);
  }

  #grow(minimum: number): void {
    let capacity = this.#keys.length;
    while (capacity < minimum) capacity *= 2;
    this.#rebuild(capacity);
  }

  #rebuild(capacity: number): void {
    const keys = this.#keys;
    this.#keys = new Array(capacity);
    this.#tree = new Float64Array(capacity);
    this.#total = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined) continue;
      this.#keys[i] = key;
      this.#change(i, key.weight);
    }
  }
}
