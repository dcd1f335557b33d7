import type { Clock } from '../clock.js';
import { costIn, dimensionCount } from '../limits/dimensions.js';
import type { Limit } from '../limits/limit.js';
import type { RequestCost } from '../request/request-info.js';

/**
 * How many waiters one pass over a line may pass over (tried without finding a key, or skipped
 * because they cost at least as much as one that found none) before it stops: the look-ahead of
 * backfilling, which keeps a wake O(served + lookAhead) however long the line.
 */
export const lookAhead = 16;

/**
 * One request's place in line while it waits for a key. `turn` means it was woken and may select a
 * key now; it then either gets one (`served`) or goes back to waiting in its place (`wait`
 * again), so a wake that finds nothing costs it nothing. It stays linked in line throughout.
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
  /** The deadline timer, armed once when it joins and kept across turns. */
  timer: unknown;
  signal: AbortSignal | undefined;
  /** The limit holding capacity for it while it leads the line and fits nowhere. */
  holds: Limit | undefined;
  readonly onAbort = (): void => this.queue.abort(this);

  constructor(
    readonly queue: WaitQueue,
    readonly scope: string,
    /** Arrival order: a smaller number came first. */
    readonly seq: number,
    /** What the request costs: a waiter costing at least as much as one that found no key is not woken in the same pass. */
    readonly cost: RequestCost | undefined,
  ) {}
}

/**
 * The waiters of one scope, oldest first, and the pass that gives them turns. A pass walks the
 * line from its head, one turn at a time (`scanner`): a served waiter hands the turn to the one
 * behind it, and so does one that found no key (backfilling), until `lookAhead` were passed over
 * or the line ends. A wake during a pass restarts it from the head once the turn comes back.
 */
class Line {
  head: Waiter | undefined;
  tail: Waiter | undefined;
  count = 0;
  scanner: Waiter | undefined;
  misses = 0;
  /** The cost of a waiter that found no key in this pass: those costing at least as much are passed over. */
  floor: RequestCost | undefined;
  rescan = false;
  /** Every waiter in line has tried since the last wake and found nothing: a newcomer may try too. */
  exhausted = false;
}

const noCost: RequestCost = {};

/** Whether `a` costs at least as much as `b` in every dimension (so cannot fit where `b` did not). */
function costsAtLeast(a: RequestCost | undefined, b: RequestCost): boolean {
  for (let d = 1; d < dimensionCount; d++) if (costIn(a, d) < costIn(b, d)) return false;
  return true;
}

/**
 * Requests waiting for a key, in arrival order per scope, with backfilling. Arrival order is the
 * rule: a wake (a key or a limit freed up) gives the turn to the head of the line first, and each
 * waiter that gets a key hands the turn to the next, so as many wake as can be served. A waiter
 * that fits on no key keeps its place and hands the turn on, so smaller requests behind it use the
 * leftover capacity instead of wasting it (head-of-line blocking); among waiters that some key can
 * take, the older goes first. So a large head is not starved, it holds capacity on the limit that
 * frees soonest for it, from the time it frees (the reset it waits for): others may still use that
 * limit's current window, but not what the head needs of the next. A newcomer queues behind the
 * line, unless everyone in it tried since the last wake and found nothing. One alarm wakes the
 * lines when a sidelined key's time comes; each waiter's own timer is only its deadline.
 */
export class WaitQueue {
  readonly #lines = new Map<string, Line>();
  #seq = 0;
  /** Waiters in line, including those holding a turn, over all scopes. */
  #size = 0;
  #alarm: { at: number; handle: unknown } | undefined;
  #closed: unknown;

  constructor(private readonly clock: Clock) {}

  /** Requests in line or holding a turn, over all scopes. */
  get size(): number {
    return this.#size;
  }

  /** Requests of `scope` in line or holding a turn. */
  length(scope: string): number {
    return this.#lines.get(scope)?.count ?? 0;
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
   * Whether a request of `scope` may select a key now: it holds the turn, or it is new and nobody
   * of its scope could be served ahead of it (no line, or everyone in it tried since the last wake
   * and found nothing, and no alarm is due). With no waiter at all (the common case) this is one
   * comparison.
   */
  mayServe(scope: string, waiter: Waiter | undefined, now: number): boolean {
    if (this.#size === 0) return true;
    if (waiter !== undefined) return waiter.state === 'turn';
    const line = this.#lines.get(scope);
    return line === undefined || (line.exhausted && line.scanner === undefined && (this.#alarm === undefined || this.#alarm.at > now));
  }

  /** A place at the back of the line of `scope`, for a request of `cost` about to wait. */
  place(scope: string, cost?: RequestCost): Waiter {
    return new Waiter(this, scope, ++this.#seq, cost);
  }

  /**
   * Waits in line until the waiter's turn, or until `until` (epoch ms), when it also gets the turn
   * so it can try once more before its deadline. A waiter back from a turn that found no key keeps
   * its place; `blockedBy` is the limit that frees soonest for its cost (the head of the line holds
   * capacity there), and `smallerMayFit` whether a request costing less could be served now: when
   * not (no key ready at all, or every limit out of requests), nobody behind it can be served either
   * and the pass ends. Rejects with the signal's reason on abort, with `failAll`'s error on close.
   */
  wait(waiter: Waiter, until: number, signal: AbortSignal | undefined, blockedBy?: Limit, smallerMayFit = blockedBy !== undefined): Promise<void> {
    if (signal?.aborted || this.#closed !== undefined) {
      const reason = signal?.aborted ? signal.reason : this.#closed;
      this.leave(waiter);
      return Promise.reject(reason);
    }
    const now = this.clock.now();
    let line = this.#lines.get(waiter.scope);
    if (waiter.state === 'out') {
      if (line === undefined) {
        // A new line starts exhausted: its only waiter just tried and found nothing.
        this.#lines.set(waiter.scope, (line = new Line()));
        line.exhausted = true;
      }
      this.#link(line, waiter);
      waiter.queuedAt = now;
      waiter.signal = signal;
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
    } else if (waiter.state === 'turn') {
      waiter.state = 'waiting';
    } else {
      throw new Error('A waiter waits once at a time.');
    }
    line ??= this.#lines.get(waiter.scope)!;
    if (waiter.timer === undefined && Number.isFinite(until)) waiter.timer = this.clock.setTimeout(() => this.#deadline(waiter), Math.max(0, until - now));
    if (blockedBy !== undefined && line.head === waiter) {
      const from = blockedBy.freeAt(waiter.cost, now);
      blockedBy.hold(waiter, waiter.cost, Number.isFinite(from) ? from : now);
      waiter.holds = blockedBy;
    }
    const promise = new Promise<void>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    if (line.scanner === waiter) {
      line.scanner = undefined;
      const cost = waiter.cost ?? noCost;
      if (line.floor === undefined || costsAtLeast(line.floor, cost)) line.floor = cost;
      if (!smallerMayFit && !line.rescan) line.exhausted = true; // nobody behind can be served now
      else if (++line.misses < lookAhead || line.rescan) this.#pass(line, waiter.next);
    }
    return promise;
  }

  /** The waiter got a key: it leaves, and the turn goes to the one behind it (a key may have room for it too). */
  served(waiter: Waiter): void {
    if (waiter.state === 'turn') this.#remove(waiter);
  }

  /** The waiter gives up its place (refused, exhausted, aborted); a turn it held goes on. */
  leave(waiter: Waiter): void {
    if (waiter.state === 'turn') this.#remove(waiter);
    else if (waiter.state === 'waiting') this.#settle(waiter, undefined);
  }

  /**
   * Capacity may have appeared for `scope` (a key or a limit freed up): a pass from the head of its
   * line, or, while one is under way, a new one once its turn comes back.
   */
  wake(scope: string): void {
    const line = this.#lines.get(scope);
    if (line === undefined) return;
    line.exhausted = false;
    if (line.scanner !== undefined) line.rescan = true;
    else this.#restart(line);
  }

  /** A key freed up and may serve any scope: every line gets a pass, the oldest heads first. */
  wakeHeads(): void {
    if (this.#lines.size === 1) {
      for (const scope of this.#lines.keys()) this.wake(scope);
      return;
    }
    const lines = [...this.#lines.entries()].sort(([, a], [, b]) => (a.head?.seq ?? 0) - (b.head?.seq ?? 0));
    for (const [scope] of lines) this.wake(scope);
  }

  /**
   * Wakes the lines at `at` (epoch ms), when a sidelined key frees up; keeps the earliest of several
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

  /** Ends every wait with `error` (the pool closed), and every later one, and stops the alarm. */
  failAll(error: unknown): void {
    this.#closed = error;
    for (const line of [...this.#lines.values()]) {
      for (let waiter = line.head; waiter !== undefined; ) {
        const next = waiter.next;
        if (waiter.state === 'waiting') this.#settle(waiter, error);
        waiter = next;
      }
    }
    if (this.#alarm !== undefined) this.clock.clearTimeout(this.#alarm.handle);
    this.#alarm = undefined;
  }

  /** Called by a waiter's abort listener: a waiting one rejects with the signal's reason; one holding a turn finds out as it goes on. */
  abort(waiter: Waiter): void {
    if (waiter.state === 'waiting') this.#settle(waiter, waiter.signal!.reason);
  }

  /** A pass from the head, with nothing passed over yet. */
  #restart(line: Line): void {
    line.rescan = false;
    line.misses = 0;
    line.floor = undefined;
    this.#pass(line, line.head);
  }

  /** Gives the turn to the first waiter from `from` on that may fit; ends the pass at the look-ahead or the end of the line. */
  #pass(line: Line, from: Waiter | undefined): void {
    if (line.rescan) return this.#restart(line);
    for (let waiter = from; waiter !== undefined; waiter = waiter.next) {
      if (waiter.state !== 'waiting') continue; // woken by its deadline: trying already
      if (line.floor !== undefined && costsAtLeast(waiter.cost, line.floor)) {
        if (++line.misses >= lookAhead) return;
        continue;
      }
      line.scanner = waiter;
      this.#giveTurn(waiter);
      return;
    }
    line.exhausted = true;
  }

  #deadline(waiter: Waiter): void {
    waiter.timer = undefined;
    if (waiter.state === 'waiting') this.#giveTurn(waiter);
  }

  /** Ends a wait with the turn: what it held is free, so it can take it. */
  #giveTurn(waiter: Waiter): void {
    this.#unhold(waiter);
    waiter.state = 'turn';
    const resolve = waiter.resolve!;
    waiter.resolve = waiter.reject = undefined;
    resolve();
  }

  /** Takes a waiting waiter out of line and ends its wait: resolved, or rejected with `error`. */
  #settle(waiter: Waiter, error: unknown): void {
    const { resolve, reject } = waiter;
    waiter.resolve = waiter.reject = undefined;
    this.#remove(waiter);
    if (error !== undefined) reject!(error);
    else resolve!();
  }

  /** Takes the waiter out of line; a pass it held the turn of goes on behind it; a hold it had is freed for the others. */
  #remove(waiter: Waiter): void {
    const line = this.#lines.get(waiter.scope)!;
    const next = waiter.next;
    const held = this.#unhold(waiter);
    if (waiter.timer !== undefined) this.clock.clearTimeout(waiter.timer);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.timer = waiter.signal = undefined;
    this.#unlink(line, waiter);
    waiter.state = 'out';
    if (line.count === 0) {
      this.#lines.delete(waiter.scope);
      return;
    }
    if (this.#closed !== undefined) return;
    if (line.scanner === waiter) {
      line.scanner = undefined;
      this.#pass(line, next);
    } else if (held) this.wake(waiter.scope);
  }

  /** Frees what the waiter held; true when it held something. */
  #unhold(waiter: Waiter): boolean {
    const limit = waiter.holds;
    if (limit === undefined) return false;
    waiter.holds = undefined;
    limit.unhold(waiter);
    return true;
  }

  #link(line: Line, waiter: Waiter): void {
    waiter.prev = line.tail;
    waiter.next = undefined;
    if (line.tail === undefined) line.head = waiter;
    else line.tail.next = waiter;
    line.tail = waiter;
    waiter.state = 'waiting';
    line.count++;
    this.#size++;
  }

  #unlink(line: Line, waiter: Waiter): void {
    if (waiter.prev === undefined) line.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) line.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    line.count--;
    this.#size--;
  }
}
