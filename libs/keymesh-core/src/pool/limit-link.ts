import type { Clock } from '../clock.js';
import type { Limit } from '../limits/limit.js';
import type { SharedQuotaFinding } from '../limits/shared-quota.js';
import type { SharedChange, SharedLimitState, StateStore } from '../store/state-store.js';
import type { QuotaGroup } from '../limits/quota-group.js';
import type { KeyEntry } from './key-entry.js';
import { clockSkewAllowanceMs, fingerprintOf } from './shared-state.js';
import type { KeySet } from './key-set.js';
import type { QuotaSharing } from './quota-sharing.js';

/**
 * A pool's link to a store's limits per (group, scope) and detected groups, next to `StoreLink`
 * (which shares per-key state). Limits are saved when their cooldown changes — a 429, a
 * remaining-0 reading, `enableKey` — never on a success; a store without these methods leaves
 * every process with its own limits.
 */
export class LimitLink {
  #unsubscribe: (() => void) | undefined;

  constructor(
    private readonly pool: { name: string; store: StateStore; keys: KeySet; clock: Clock; sharing: QuotaSharing; maxCooldownMs: number; notify(): void },
    private readonly source: string,
  ) {}

  /** Loads what the store holds and follows its changes; settles when loaded (errors are the store's to report). */
  async connect(): Promise<void> {
    const { store, name } = this.pool;
    this.#unsubscribe = store.subscribeShared?.(name, (change) => this.#apply(change));
    const shared = await store.loadShared?.(name).catch(() => undefined);
    for (const group of shared?.groups ?? []) this.#apply({ group });
    for (const limit of shared?.limits ?? []) this.#apply({ limit });
  }

  saveLimit(groupId: string, limit: Limit, now: number): void {
    const fingerprint = fingerprintOfGroup(this.pool.keys.group(groupId));
    this.pool.store.saveLimit?.(this.pool.name, {
      group: groupId, scope: limit.scope, cooldownUntil: limit.cooldownUntil, cooldownSource: limit.cooldownSource, updatedAt: now, source: this.source,
      ...(fingerprint === undefined ? {} : { fingerprint }),
    });
  }

  saveGroup(finding: SharedQuotaFinding): void {
    this.pool.store.saveGroup?.(this.pool.name, { group: finding.group, keyIds: finding.keyIds, scope: finding.scope, updatedAt: finding.at, source: this.source });
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #apply(change: SharedChange): void {
    if (change.group !== undefined) {
      if (change.group.source !== this.source) this.pool.sharing.apply(change.group);
      return;
    }
    const state = change.limit;
    if (state.source !== this.source) this.#applyLimit(state);
  }

  /** Another process's cooldown for (group, scope), bounded like every stored time: never past now + `maxCooldownMs`. */
  #applyLimit(state: SharedLimitState): void {
    const { keys, clock, maxCooldownMs } = this.pool;
    const now = clock.now();
    if (state.updatedAt > now + clockSkewAllowanceMs) return;
    const group = keys.group(state.group);
    // A key alone is its own group, named by its id: another secret under the same id (another
    // deployment sharing the store's prefix) has another fingerprint, and its limits are not ours.
    if (group === undefined || (state.fingerprint !== undefined && state.fingerprint !== fingerprintOfGroup(group))) return;
    const limit = group.limit(state.scope);
    if (state.updatedAt < limit.updatedAt) return;
    const freed = limit.cooldownUntil > now && state.cooldownUntil <= now;
    limit.cooldownUntil = Math.min(state.cooldownUntil, now + maxCooldownMs);
    limit.cooldownSource = state.cooldownSource;
    limit.updatedAt = state.updatedAt;
    if (freed) this.pool.notify();
  }
}

/** The fingerprint of a key alone (its group is named by the key's id); declared and detected groups have none. */
function fingerprintOfGroup(group: QuotaGroup<KeyEntry> | undefined): string | undefined {
  if (group === undefined || group.declared || group.keys.size !== 1) return undefined;
  const [key] = group.keys;
  return fingerprintOf(key!.view.secret);
}
