import type { RandomSource } from '../clock.js';
import type { SelectableKey, SelectionStrategy } from './strategy.js';

/** `random`: uniform over the ready keys, kept in a dense array with swap-remove. */
export class RandomStrategy<K extends SelectableKey> implements SelectionStrategy<K> {
  readonly name = 'random';
  readonly #keys: K[] = [];

  constructor(private readonly random: RandomSource) {}

  get size(): number {
    return this.#keys.length;
  }

  add(key: K): void {
    if (key.slot >= 0 && this.#keys[key.slot] === key) return;
    key.slot = this.#keys.length;
    this.#keys.push(key);
  }

  remove(key: K): void {
    const slot = key.slot;
    if (slot < 0 || this.#keys[slot] !== key) return;
    const last = this.#keys.pop()!;
    if (last !== key) {
      this.#keys[slot] = last;
      last.slot = slot;
    }
    key.slot = -1;
  }

  pick(): K | undefined {
    const length = this.#keys.length;
    if (length === 0) return undefined;
    const at = Math.floor(this.random() * length);
    return this.#keys[Math.min(Math.max(at, 0), length - 1)];
  }

  update(): void {}
}
