import type { Clock } from '../clock.js';
import type { EventEmitter } from '../events/event-emitter.js';
import type { SharedKeyState, StateStore } from '../store/state-store.js';
import type { KeyEntry } from './key-entry.js';
import type { KeySet } from './key-set.js';
import { applyShared, boundShared, clockSkewAllowanceMs, fingerprintOf, toShared, type SharedBounds } from './shared-state.js';

/**
 * A pool's connection to a shared store: loads the shared state before the first request
 * (bounded by `storeLoadTimeoutMs`, then local state), applies other pools' changes, records this
 * pool's changes, and reports store failures as `store.error`. The store never blocks serving.
 *
 * Nothing from the store is trusted as is: a state stamped beyond this clock plus
 * `clockSkewAllowanceMs` is refused, one written for another secret under the same id is
 * ignored, and every time is bounded by what this pool would set itself (`boundShared`).
 */
export class StoreLink {
  readonly #source: string;
  #unsubscribe: (() => void) | undefined;
  #unsubscribeErrors: (() => void) | undefined;
  /** Per key: the digest of its secret that its shared states carry. */
  readonly #fingerprints = new WeakMap<KeyEntry, string>();
  /** Keys already reported as holding another secret's state, so the report is not repeated per message. */
  readonly #mismatched = new WeakSet<KeyEntry>();

  constructor(
    private readonly pool: { name: string; store: StateStore; keys: KeySet; clock: Clock; events: EventEmitter; loadTimeoutMs: number; bounds: SharedBounds; notify(): void },
    source: string,
  ) {
    this.#source = source;
  }

  /** Starts following the store; the promise settles once its state is loaded (or given up on). */
  connect(): Promise<void> {
    const { name, store, keys, clock } = this.pool;
    this.#unsubscribe = store.subscribe(name, (keyId, state) => {
      if (state.source === this.#source) return;
      const entry = keys.get(keyId);
      const now = clock.now();
      if (entry === undefined || !this.#accepts(entry, state, now, 'subscribe')) return;
      applyShared(entry, boundShared(state, now, this.pool.bounds));
      if (keys.refresh(entry, now)) this.pool.notify();
    });
    this.#unsubscribeErrors = store.onError?.((info) => this.#report(info.operation, info.message, info.code));
    return this.#load();
  }

  /** `operator`: the change is `enableKey` / `disableKey`, which wins over any stored state. */
  save(key: KeyEntry, now: number, operator = false): void {
    this.pool.store.save(this.pool.name, key.id, toShared(key, now, this.#source, this.#fingerprint(key), operator));
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribeErrors?.();
    this.#unsubscribe = this.#unsubscribeErrors = undefined;
  }

  async #load(): Promise<void> {
    const { name, store, keys, clock, loadTimeoutMs } = this.pool;
    let timer: unknown;
    try {
      const ids = [...keys.entries()].map((entry) => entry.id);
      const timeout = new Promise<undefined>((resolve) => {
        timer = clock.setTimeout(() => resolve(undefined), loadTimeoutMs);
        (timer as { unref?: () => void } | undefined)?.unref?.();
      });
      const states = await Promise.race([store.load(name, ids), timeout]);
      const now = clock.now();
      if (states === undefined) this.#report('load', `no answer within storeLoadTimeoutMs (${loadTimeoutMs} ms); serving from local state`);
      for (const [id, state] of states ?? []) {
        const entry = keys.get(id);
        if (entry === undefined || !this.#accepts(entry, state, now, 'load')) continue;
        applyShared(entry, boundShared(state, now, this.pool.bounds));
        keys.refresh(entry, now);
      }
    } catch (error) {
      // Fail open: an unreachable store must not stop the pool from serving on local state.
      const code = (error as { code?: unknown } | null)?.code;
      this.#report('load', error instanceof Error ? error.message : String(error), typeof code === 'string' ? code : undefined);
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** Whether a state from the store may be applied to `entry`; refusals that need a person's attention are reported. */
  #accepts(entry: KeyEntry, state: SharedKeyState, now: number, operation: string): boolean {
    if (state.updatedAt > now + clockSkewAllowanceMs) {
      const aheadS = Math.round((state.updatedAt - now) / 1000);
      this.#report(operation, `ignored a shared state of key "${entry.id}" stamped ${aheadS} s ahead of this process's clock: keep the fleet's clocks in sync (NTP)`, 'ERR_KEYMESH_CLOCK_SKEW');
      return false;
    }
    if (state.fingerprint !== undefined && state.fingerprint !== this.#fingerprint(entry)) {
      if (!this.#mismatched.has(entry)) {
        this.#mismatched.add(entry);
        this.#report(operation, `ignored a shared state of key "${entry.id}" written for a different secret under the same id: another deployment shares this store's prefix; give each its own prefix`, 'ERR_KEYMESH_KEY_MISMATCH');
      }
      return false;
    }
    // Newest write wins; an operator's word wins over anything stamped up to the skew allowance later.
    return state.updatedAt >= entry.stateUpdatedAt || (state.operator === true && state.updatedAt + clockSkewAllowanceMs >= entry.stateUpdatedAt);
  }

  #fingerprint(entry: KeyEntry): string {
    let fingerprint = this.#fingerprints.get(entry);
    if (fingerprint === undefined) this.#fingerprints.set(entry, (fingerprint = fingerprintOf(entry.view.secret)));
    return fingerprint;
  }

  #report(operation: string, message: string, code?: string): void {
    const { events, name, clock } = this.pool;
    if (events.has('store.error')) events.emit('store.error', { pool: name, operation, message, ...(code === undefined ? {} : { code }), at: clock.now() });
  }
}
