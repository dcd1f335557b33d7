import type { SharedChange, SharedPoolState } from '@keymesh/core';
import { decodeGroup, decodeLimit, encodeGroup, encodeLimit, encodeSharedMessage } from './codec.js';
import type { KeyNames } from './key-names.js';
import { runScript, saveFieldScript } from './lua-scripts.js';
import { isCommandError, type RedisLink } from './redis-link.js';
import { clockSkewAllowanceMs, clockSkewCode, codedError } from './stamps.js';

interface Entry {
  /** The hash and field it is stored under. */
  hash: string;
  field: string;
  change: SharedChange;
}

interface PoolShare {
  /** The newest change this process saved per entry (ledger key `l:group\0scope` or `g:group`): what a resync re-sends. */
  saved: Map<string, Entry>;
  /** Saves that may not have reached Redis. */
  unsent: Set<string>;
  /** The newest `updatedAt` delivered to this process's pools per entry. */
  seen: Map<string, number>;
  /** `loadShared` was called: a resync re-reads this pool's limits and groups. */
  loaded: boolean;
}

export interface LimitSharingParts {
  link: RedisLink;
  names: KeyNames;
  origin: string;
  ttlMs: number;
  /** False during an outage, or while Redis wants credentials it was not given: the resync sends it later. */
  canWrite(): boolean;
  deliver(pool: string, change: SharedChange): void;
  /** Redis refused or failed a command (the link reports outages itself). */
  problem(operation: string, error: unknown): void;
  /** A save was refused for its stamp, or a read found one from the future. */
  skewed(operation: string, error: Error): void;
}

/**
 * The fleet's limits per (group, scope) and detected groups, next to per-key state. Each pool has
 * one hash of limits and one of groups, a field per entry, written only when an entry changes
 * (a 429, a remaining-0 reading, `enableKey`, a finding) — never on a success — and published on
 * the pool's channel in the same script, so other processes apply it within milliseconds. Same
 * rules as key state: newest wins by Redis's clock, fail open, re-sent and re-read after an outage.
 */
export class LimitSharing {
  readonly #pools = new Map<string, PoolShare>();

  constructor(private readonly parts: LimitSharingParts) {}

  save(pool: string, change: SharedChange): void {
    const share = this.#pool(pool);
    const entry = this.#entry(pool, change);
    const id = ledgerId(change);
    const current = share.saved.get(id);
    if (current !== undefined && updatedAt(current.change) > updatedAt(change)) return;
    share.saved.set(id, entry);
    this.#see(share, id, updatedAt(change));
    // Other pools of this process hear it at once, Redis or not (their own echo is skipped).
    queueMicrotask(() => this.parts.deliver(pool, change));
    this.#write(pool, id, entry);
  }

  /** Everything stored for the pool (two HVALS); what is new to this process also goes to its pools' listeners. */
  async read(pool: string, operation: string): Promise<SharedPoolState> {
    const share = this.#pool(pool);
    share.loaded = true;
    const { link, names } = this.parts;
    const [limitValues, groupValues] = await Promise.all([
      link.send<string[]>(['HVALS', names.limits(pool)], operation),
      link.send<string[]>(['HVALS', names.groups(pool)], operation),
    ]);
    const state: SharedPoolState = { limits: [], groups: [] };
    for (const value of limitValues) {
      const limit = decodeLimit(value);
      if (limit === undefined) this.parts.problem('decode', new Error(`ignored a malformed limit stored at ${names.limits(pool)}`));
      else if (this.believable(operation, `limit "${limit.group}" / "${limit.scope}"`, limit.updatedAt)) state.limits.push(limit);
    }
    for (const value of groupValues) {
      const group = decodeGroup(value);
      if (group === undefined) this.parts.problem('decode', new Error(`ignored a malformed group stored at ${names.groups(pool)}`));
      else if (this.believable(operation, `group "${group.group}"`, group.updatedAt)) state.groups.push(group);
    }
    for (const limit of state.limits) this.#arrived(pool, { limit });
    for (const group of state.groups) this.#arrived(pool, { group });
    if (operation === 'resync') this.#restore(pool, share, state);
    return state;
  }

  /**
   * A Redis that came back empty (restarted without persistence) lost what this process had
   * saved: put back the cooldowns still running and the groups found, unless something newer from
   * elsewhere superseded them.
   */
  #restore(pool: string, share: PoolShare, stored: SharedPoolState): void {
    const present = new Set([...stored.limits.map((limit) => ledgerId({ limit })), ...stored.groups.map((group) => ledgerId({ group }))]);
    const now = Date.now();
    for (const [id, entry] of share.saved) {
      const { change } = entry;
      if (present.has(id) || share.seen.get(id) !== updatedAt(change)) continue;
      if (change.limit === undefined || change.limit.cooldownUntil > now) this.#write(pool, id, entry);
    }
  }

  /** A change from another store, off the channel. */
  received(pool: string, change: SharedChange): void {
    const label = change.limit !== undefined ? `limit "${change.limit.group}" / "${change.limit.scope}"` : `group "${change.group.group}"`;
    if (this.believable('subscribe', label, updatedAt(change))) this.#arrived(pool, change);
  }

  /** A stamp from the future is not believed: it would win every later "newest write wins". */
  believable(operation: string, what: string, stamp: number): boolean {
    const aheadMs = stamp - Date.now();
    if (aheadMs <= clockSkewAllowanceMs) return true;
    this.parts.skewed(operation, codedError(`ignored the ${what} stamped ${Math.round(aheadMs / 1000)} s ahead of this host's clock: a member's clock is wrong or someone wrote to this prefix by hand`, clockSkewCode));
    return false;
  }

  /** After an outage: re-sends what may not have reached Redis. */
  resend(): void {
    for (const [pool, share] of this.#pools) for (const id of [...share.unsent]) {
      const entry = share.saved.get(id);
      if (entry !== undefined) this.#write(pool, id, entry);
    }
  }

  /** The pools whose limits and groups were loaded: a resync re-reads them. */
  loadedPools(): string[] {
    return [...this.#pools].filter(([, share]) => share.loaded).map(([pool]) => pool);
  }

  #arrived(pool: string, change: SharedChange): void {
    if (this.#see(this.#pool(pool), ledgerId(change), updatedAt(change))) this.parts.deliver(pool, change);
  }

  #write(pool: string, id: string, entry: Entry): void {
    const share = this.#pool(pool);
    share.unsent.add(id);
    const { link, names, origin, ttlMs } = this.parts;
    if (!this.parts.canWrite()) return;
    const { change } = entry;
    const encoded = change.limit !== undefined ? encodeLimit(change.limit) : encodeGroup(change.group);
    const expiry = change.limit !== undefined ? Math.max(ttlMs, Math.ceil(change.limit.cooldownUntil - change.limit.updatedAt)) : ttlMs;
    const args = [entry.field, String(updatedAt(change)), encoded, String(expiry), names.channel(pool), encodeSharedMessage(origin, change), String(clockSkewAllowanceMs)];
    runScript<number>(link, saveFieldScript, [entry.hash], args, 'saveShared').then(
      (reply) => {
        if (reply < 0) this.parts.skewed('saveShared', codedError(`Redis refused a shared limit: this host's clock is ${Math.round(-reply / 1000)} s ahead of Redis's; keep the fleet's clocks in sync (NTP)`, clockSkewCode));
        if (share.saved.get(id) === entry) share.unsent.delete(id);
      },
      (error: unknown) => {
        if (isCommandError(error)) this.parts.problem('saveShared', error);
      },
    );
  }

  #entry(pool: string, change: SharedChange): Entry {
    const { names } = this.parts;
    return change.limit !== undefined
      ? { hash: names.limits(pool), field: names.limitField(change.limit.group, change.limit.scope), change }
      : { hash: names.groups(pool), field: names.groupField(change.group.group), change };
  }

  #see(share: PoolShare, id: string, stamp: number): boolean {
    const seen = share.seen.get(id);
    if (seen !== undefined && seen >= stamp) return false;
    share.seen.set(id, stamp);
    return true;
  }

  #pool(pool: string): PoolShare {
    let share = this.#pools.get(pool);
    if (share === undefined) this.#pools.set(pool, (share = { saved: new Map(), unsent: new Set(), seen: new Map(), loaded: false }));
    return share;
  }
}

function ledgerId(change: SharedChange): string {
  return change.limit !== undefined ? `l:${change.limit.group}\0${change.limit.scope}` : `g:${change.group.group}`;
}

function updatedAt(change: SharedChange): number {
  return change.limit !== undefined ? change.limit.updatedAt : change.group.updatedAt;
}
