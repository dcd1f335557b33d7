/**
 * A binary min-heap that knows where each item sits, so an item can be removed or re-sifted
 * after its priority changed in O(log n). The position lives in a field of the item itself
 * (`getSlot`/`setSlot`), which avoids a Map lookup on the hot path.
 */
export class IndexedHeap<T> {
  readonly #items: T[] = [];

  constructor(
    private readonly less: (a: T, b: T) => boolean,
    private readonly getSlot: (item: T) => number,
    private readonly setSlot: (item: T, slot: number) => void,
  ) {}

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  has(item: T): boolean {
    const slot = this.getSlot(item);
    return slot >= 0 && this.#items[slot] === item;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#siftUp(this.#items.length - 1);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const slot = this.getSlot(item);
    if (slot < 0 || this.#items[slot] !== item) return;
    const last = this.#items.pop()!;
    this.setSlot(item, -1);
    if (last === item) return;
    this.#items[slot] = last;
    this.setSlot(last, slot);
    this.#siftDown(this.#siftUp(slot));
  }

  /** Restores order after `item`'s priority changed. */
  update(item: T): void {
    const slot = this.getSlot(item);
    if (slot >= 0 && this.#items[slot] === item) this.#siftDown(this.#siftUp(slot));
  }

  #siftUp(slot: number): number {
    const items = this.#items;
    const item = items[slot]!;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!this.less(item, items[parent]!)) break;
      items[slot] = items[parent]!;
      this.setSlot(items[slot]!, slot);
      slot = parent;
    }
    items[slot] = item;
    this.setSlot(item, slot);
    return slot;
  }

  #siftDown(slot: number): void {
    const items = this.#items;
    const length = items.length;
    const item = items[slot]!;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= length) break;
      if (child + 1 < length && this.less(items[child + 1]!, items[child]!)) child++;
      if (!this.less(items[child]!, item)) break;
      items[slot] = items[child]!;
      this.setSlot(items[slot]!, slot);
      slot = child;
    }
    items[slot] = item;
    this.setSlot(item, slot);
  }
}
