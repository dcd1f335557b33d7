import type { Clock } from '../clock.js';

/**
 * One request's place in line while it waits for a key. `turn` means it was woken and may select a
 * key ahead of everyone of its scope who came later; it then either gets one (`served`) or goes
 * back to its place (`wait` again), so a wake that finds nothing costs it nothing.
 */
export class Waiter {
  state: 'out' | 'waiting' | 'turn' = 'out';
  /** Epoch ms when it joined the line: how long it has queued (its sojourn) is measured from here. */
  queuedAt = 0;
  prev: Waiter | undefined;
  next: Waiter | undefined;
  // One wait's settlement, kept on the waiter rather than in closures: a line can hold thousands.
  resolve: (() => void) | undefined;
  reject: ((reason: unknown) => void) | undefined;
  timer: unknown;
  signal: AbortSignal | undefined;
  readonly onAbort = (): void => this.queue.abort(this);

  constructor(
    readonly queue: WaitQueue,
    readonly scope: string,
    /** Arrival order: a smaller number came first. */
    readonly seq: number,
  ) {}
}

/** The waiters of one scope, oldest first, and the woken ones that have not chosen yet. */
class Line {
  head: Waiter | undefined;
  tail: Waiter | undefined;
  waiting = 0;
  turns = 0;
}

/**
 * Requests waiting for a key, served first come, first served per scope. Nobody is woken "just in
 * case": a key freeing wakes the head of the line (`wake`), and each waiter that gets a key passes
 * the turn to the next (`served`), so exactly as many wake as can be served, plus at most one that
 * finds nothing and goes back to its place. Newcomers of a scope queue behind its line rather than
 * take a key its woken head is about to take (`mayServe`). One alarm wakes the heads when a
 * sidelined key's time comes; each waiter's own timer is only its deadline.
 */
export class WaitQueue {
  readonly #lines = new Map<string, Line>();
  #seq = 0;
  /** Waiters in line plus woken ones that have not chosen yet, over all scopes. */
  #size = 0;
  #alarm: { at: number; handle: unknown } | undefined;

  constructor(private readonly clock: Clock) {}

  /** Requests in line or holding a turn, over all scopes. */
  get size(): number {
    return this.#size;
  }

  /** Requests of `scope` in line or holding a turn. */
  length(scope: string): number {
    const line = this.#lines.get(scope);
    return line === undefined ? 0 : line.waiting + line.turns;
  }

  /** Epoch ms when the longest-waiting request of any scope joined the line; undefined when nobody waits. */
  oldestQueuedAt(): number | undefined {
    let oldest: number | undefined;
    for (const line of this.#lines.values()) {
      const at = line.head?.queuedAt;
      if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
    }
    return oldest;
  }

  /**
   * Whether a request of `scope` may select a key now: nobody of its scope is ahead of it, or it
   * holds the turn. With no waiter at all (the common case) this is one comparison.
   */
  mayServe(scope: string, waiter: Waiter | undefined): boolean {
    if (this.#size === 0) return true;
    if (waiter !== undefined && waiter.state === 'turn') return true;
    return !this.#lines.has(scope);
  }

  /** A place at the back of the line of `scope`, for a request about to wait. */
  place(scope: string): Waiter {
    return new Waiter(this, scope, ++this.#seq);
  }

  /**
   * Waits in line until the waiter's turn (`wake`), or until `until` (epoch ms), when it also gets
   * the turn so it can try once more before its deadline. A waiter that had the turn and found no
   * key goes back to its place, ahead of those who came after it. Rejects with the signal's reason
   * on abort, and with the error of `failAll` on close.
   */
  wait(waiter: Waiter, until: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) {
      this.leave(waiter);
      return Promise.reject(signal.reason);
    }
    const line = this.#lineOf(waiter.scope);
    if (waiter.state === 'turn') {
      line.turns--;
      this.#size--;
    } else if (waiter.state === 'out') {
      waiter.queuedAt = this.clock.now();
    } else {
      throw new Error('A waiter waits once at a time.');
    }
    this.#link(line, waiter);
    return new Promise<void>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
      waiter.signal = signal;
      if (Number.isFinite(until)) waiter.timer = this.clock.setTimeout(() => this.#giveTurn(waiter), Math.max(0, until - this.clock.now()));
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }

  /** The waiter got a key: it leaves, and the next of its scope gets the turn (a key may have room for it too). */
  served(waiter: Waiter): void {
    if (waiter.state !== 'turn') return;
    this.#dropTurn(waiter);
    this.wake(waiter.scope, 1);
  }

  /**
   * The waiter gives up its place (refused, exhausted, aborted). When it held the turn or led the
   * line, the next one gets the turn: it may fit where this one did not (a smaller cost).
   */
  leave(waiter: Waiter): void {
    const scope = waiter.scope;
    if (waiter.state === 'turn') this.#dropTurn(waiter);
    else if (waiter.state === 'waiting') {
      const led = this.#lines.get(scope)!.head === waiter;
      this.#settle(waiter, undefined, false);
      if (!led) return;
    } else return;
    this.wake(scope, 1);
  }

  /** Gives the turn to the `count` oldest waiters of `scope`; returns how many were woken. */
  wake(scope: string, count: number): number {
    const line = this.#lines.get(scope);
    let woken = 0;
    while (line !== undefined && woken < count && line.head !== undefined) {
      this.#giveTurn(line.head);
      woken++;
    }
    return woken;
  }

  /** Gives the turn to every waiter of `scope`, or of every scope. */
  wakeAll(scope?: string): number {
    if (scope !== undefined) return this.wake(scope, Infinity);
    let woken = 0;
    for (const name of [...this.#lines.keys()]) woken += this.wake(name, Infinity);
    return woken;
  }

  /** Gives the turn to the oldest waiter of each scope, oldest first: a key freed up and may serve any scope. */
  wakeHeads(): number {
    const heads: Waiter[] = [];
    for (const line of this.#lines.values()) if (line.head !== undefined) heads.push(line.head);
    heads.sort((a, b) => a.seq - b.seq);
    for (const head of heads) this.#giveTurn(head);
    return heads.length;
  }

  /**
   * Wakes the heads at `at` (epoch ms), when a sidelined key frees up; keeps the earliest of several
   * calls. Never sooner than 1 ms from now: a time already past that did not let a waiter select a
   * key must not wake it again and again without time moving.
   */
  alarm(at: number): void {
    if (!Number.isFinite(at) || (this.#alarm !== undefined && this.#alarm.at <= at)) return;
    if (this.#alarm !== undefined) this.clock.clearTimeout(this.#alarm.handle);
    const handle = this.clock.setTimeout(() => {
      this.#alarm = undefined;
      this.wakeHeads();
    }, Math.max(1, at - this.clock.now()));
    this.#alarm = { at, handle };
  }

  /** Ends every wait with `error` (the pool closed) and stops the alarm. */
  failAll(error: unknown): void {
    for (const line of [...this.#lines.values()]) {
      for (let waiter = line.head; waiter !== undefined; waiter = line.head) this.#settle(waiter, error, false);
    }
    if (this.#alarm !== undefined) this.clock.clearTimeout(this.#alarm.handle);
    this.#alarm = undefined;
  }

  /** Called by a waiter's abort listener: it rejects with the signal's reason; a head that leaves passes the turn on. */
  abort(waiter: Waiter): void {
    if (waiter.state !== 'waiting') return;
    const led = this.#lines.get(waiter.scope)!.head === waiter;
    this.#settle(waiter, waiter.signal!.reason, false);
    if (led) this.wake(waiter.scope, 1);
  }

  #giveTurn(waiter: Waiter): void {
    if (waiter.state === 'waiting') this.#settle(waiter, undefined, true);
  }

  /** Takes a waiting waiter out of line and ends its wait: with the turn, without, or with an error. */
  #settle(waiter: Waiter, error: unknown, turn: boolean): void {
    const line = this.#lines.get(waiter.scope)!;
    this.#unlink(line, waiter);
    if (waiter.timer !== undefined) this.clock.clearTimeout(waiter.timer);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    const { resolve, reject } = waiter;
    waiter.timer = waiter.signal = waiter.resolve = waiter.reject = undefined;
    if (turn) {
      waiter.state = 'turn';
      line.turns++;
      this.#size++;
      resolve!();
      return;
    }
    waiter.state = 'out';
    this.#dropLineIfEmpty(waiter.scope, line);
    if (error !== undefined) reject!(error);
    else resolve!();
  }

  #dropTurn(waiter: Waiter): void {
    const line = this.#lines.get(waiter.scope)!;
    line.turns--;
    this.#size--;
    waiter.state = 'out';
    this.#dropLineIfEmpty(waiter.scope, line);
  }

  #lineOf(scope: string): Line {
    let line = this.#lines.get(scope);
    if (line === undefined) this.#lines.set(scope, (line = new Line()));
    return line;
  }

  #dropLineIfEmpty(scope: string, line: Line): void {
    if (line.waiting === 0 && line.turns === 0) this.#lines.delete(scope);
  }

  /** Inserts in arrival order: at the back for a newcomer (O(1)), near the front for one back from its turn. */
  #link(line: Line, waiter: Waiter): void {
    let before: Waiter | undefined; // the first waiter that came after this one
    if (line.tail !== undefined && line.tail.seq > waiter.seq) {
      before = line.head;
      while (before!.seq < waiter.seq) before = before!.next;
    }
    waiter.next = before;
    waiter.prev = before === undefined ? line.tail : before.prev;
    if (waiter.prev === undefined) line.head = waiter;
    else waiter.prev.next = waiter;
    if (before === undefined) line.tail = waiter;
    else before.prev = waiter;
    waiter.state = 'waiting';
    line.waiting++;
    this.#size++;
  }

  #unlink(line: Line, waiter: Waiter): void {
    if (waiter.prev === undefined) line.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) line.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    line.waiting--;
    this.#size--;
  }
}
