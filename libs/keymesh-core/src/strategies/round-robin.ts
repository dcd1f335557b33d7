import type { SelectableKey, SelectionStrategy } from './strategy.js';

interface RingNode<K> {
  key: K;
  next: RingNode<K>;
  prev: RingNode<K>;
}

/**
 * `round-robin`: a ring of the ready keys and a cursor. A key that comes back from a cooldown
 * joins just behind the cursor, i.e. at the end of the current round.
 */
export class RoundRobinStrategy<K extends SelectableKey> implements SelectionStrategy<K> {
  readonly name = 'round-robin';
  readonly #nodes = new Map<K, RingNode<K>>();
  #cursor: RingNode<K> | undefined;

  get size(): number {
    return this.#nodes.size;
  }

  add(key: K): void {
    if (this.#nodes.has(key)) return;
    const node = { key } as RingNode<K>;
    const cursor = this.#cursor;
    if (cursor === undefined) {
      node.next = node.prev = node;
      this.#cursor = node;
    } else {
      node.next = cursor;
      node.prev = cursor.prev;
      cursor.prev.next = node;
      cursor.prev = node;
    }
    this.#nodes.set(key, node);
  }

  remove(key: K): void {
    const node = this.#nodes.get(key);
    if (node === undefined) return;
    this.#nodes.delete(key);
    if (node.next === node) {
      this.#cursor = undefined;
      return;
    }
    node.prev.next = node.next;
    node.next.prev = node.prev;
    if (this.#cursor === node) this.#cursor = node.next;
  }

  pick(): K | undefined {
    const cursor = this.#cursor;
    if (cursor === undefined) return undefined;
    this.#cursor = cursor.next;
    return cursor.key;
  }

  update(): void {}
}
