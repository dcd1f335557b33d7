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
    const { less, setSlot } = this;
    const item = items[slot]!;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      const above = items[parent]!;
      if (!less(item, above)) break;
      items[slot] = above;
      setSlot(above, slot);
      slot = parent;
    }
    items[slot] = item;
    setSlot(item, slot);
    return slot;
  }

  /**
   * Moves the item at `slot` down to where it belongs. An item that sinks usually sinks far (a key
   * just taken for a request drops behind every idle key), so after one check that it sinks at all,
   * the hole descends along the better child to a leaf with one comparison per level, and the item
   * then climbs back the few levels it needs (Floyd's variant): about half the comparisons of the
   * textbook loop, which compares twice per level.
   */
  #siftDown(slot: number): void {
    const items = this.#items;
    const { less, setSlot } = this;
    const item = items[slot]!;
    let child = this.#betterChild(slot);
    if (child < 0 || !less(items[child]!, item)) return;
    let hole = slot;
    do {
      const below = items[child]!;
      items[hole] = below;
      setSlot(below, hole);
      hole = child;
      child = this.#betterChild(hole);
    } while (child >= 0);
    items[hole] = item;
    this.#siftUp(hole);
  }

  /** The better of `slot`'s children, or -1 for a leaf. */
  #betterChild(slot: number): number {
    const items = this.#items;
    const child = 2 * slot + 1;
    if (child >= items.length) return -1;
    return child + 1 < items.length && this.less(items[child + 1]!, items[child]!) ? child + 1 : child;
  }
}
