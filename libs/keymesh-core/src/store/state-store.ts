/**
 * The part of a key's state that a fleet of processes shares. Only ids and times: never a secret.
 * Hot-path counters (in flight, request counts) stay local; what is shared is what decides
 * whether a key may be used.
 */
export interface SharedKeyState {
  /** Epoch ms until which a rate limit (or exhausted quota headers) sidelines the key; 0 for none. */
  cooldownUntil: number;
  breaker: 'closed' | 'open';
  /** Epoch ms when an open breaker admits its half-open trial. */
  openUntil: number;
  consecutiveFailures: number;
  /** Set while the key is disabled; `until: null` means until `enableKey`. */
  disabled: { reason: 'quota_exhausted' | 'key_rejected' | 'manual'; until: number | null } | null;
  /** Epoch ms of the change; the newest write wins. */
  updatedAt: number;
  /** Id of the pool instance that made the change, so it can ignore its own echo. */
  source: string;
  /**
   * Why an open breaker opened: `'outlier'` is an ejection for provider trouble (a sick key), which
   * every process counts against the "at most half the keys ejected" bound. Absent means `'failures'`.
   */
  openReason?: CircuitOpenReason;
  /**
   * A digest of the key's secret (never the secret): a state written for another secret under the
   * same id (two deployments sharing a store prefix, each with a key called `primary`) is ignored.
   * States written before it existed have none and are accepted.
   */
  fingerprint?: string;
  /** Set on a change made by `enableKey` / `disableKey`: an operator's word, which wins over any stored state. */
  operator?: true;
}

/** Why a circuit opened: key-scoped failures in a row, or provider trouble on this key alone (outlier ejection). */
export type CircuitOpenReason = 'failures' | 'outlier';

/**
 * One limit's shared state: a quota group's limit for one scope (the model). Saved when its
 * cooldown changes (a 429, a remaining-0 reading), never on a success. Only ids, names and times.
 */
export interface SharedLimitState {
  /** Quota group id (a declared `group`, a detected group's id, or the key id of a key alone). */
  group: string;
  /** The scope (model, or a `scopeOf` name). */
  scope: string;
  /** Epoch ms until which the limit is sidelined; 0 for none. */
  cooldownUntil: number;
  /** What set the cooldown: a 429 (`rate_limited`) or a reading with nothing left (`quota_headers`). */
  cooldownSource: 'rate_limited' | 'quota_headers';
  /** For a key alone (its group is its id): its secret's digest, as on `SharedKeyState`, so another secret's limits under the same id are ignored. */
  fingerprint?: string;
  /** Epoch ms of the change; the newest write wins per (group, scope). */
  updatedAt: number;
  source: string;
}

/**
 * Keys found to draw on one provider bucket although declared in different groups (shared-quota
 * detection): from then on they are one group. Findings only grow: a later finding for the same
 * keys replaces an earlier one.
 */
export interface SharedGroupState {
  /** The merged group's id. */
  group: string;
  /** Every key of the merged group. */
  keyIds: string[];
  /** The scope whose readings showed it. */
  scope: string;
  /** Epoch ms of the finding. */
  updatedAt: number;
  source: string;
}

/** What a pool shares besides per-key state: limits per (group, scope) and detected groups. */
export interface SharedPoolState {
  limits: SharedLimitState[];
  groups: SharedGroupState[];
}

/** One change to a pool's shared limits or groups, as `subscribeShared` delivers it. */
export type SharedChange = { limit: SharedLimitState; group?: undefined } | { group: SharedGroupState; limit?: undefined };

/** What a store says about a failure. Must never contain a secret or a connection URL with credentials. */
export interface StoreErrorInfo {
  /** What failed: `load`, `save`, `subscribe`, `acquireTrial`, `admit`, `connection`, …. */
  operation: string;
  message: string;
  /** A stable code when there is one (e.g. `ECONNREFUSED`). */
  code?: string;
}

/**
 * What a shared store says about itself, shown in the pool's snapshot and health output: whether
 * it is sharing (`up`) or the pools serve from local state because it is `down` (unreachable) or
 * `refused` (reachable, but refusing the store's commands: credentials, permissions, a read-only
 * replica), and the failure behind it. Never a secret or a password.
 */
export interface StoreHealth {
  status: 'connecting' | 'up' | 'down' | 'refused' | 'closed';
  /** What failed (operation, code such as `NOAUTH`, message) and since when (epoch ms), when not up. */
  error?: StoreErrorInfo & { at: number };
}

/**
 * Where pools keep the state that decides key eligibility. The in-process `MemoryStore` is the
 * default; `@keymesh/redis` shares it across a fleet. A store is consulted only when state
 * changes and for the half-open trial, never on the success path of a healthy key.
 */
export interface StateStore {
  /** Called once before a pool serves its first request: the shared state of the keys it knows. */
  load(pool: string, keyIds: readonly string[]): Promise<ReadonlyMap<string, SharedKeyState>>;
  /** Records a change made by this process. Must not throw; failures are the store's to report. */
  save(pool: string, keyId: string, state: SharedKeyState): void;
  /** Delivers changes made by any pool instance (the caller ignores its own `source`). Returns an unsubscribe function. */
  subscribe(pool: string, listener: (keyId: string, state: SharedKeyState) => void): () => void;
  /** Takes the single half-open trial of a key for `leaseMs`; false while another holder has it. */
  acquireTrial(pool: string, keyId: string, leaseMs: number): boolean | Promise<boolean>;
  /** Gives the trial back early (its result is known). */
  releaseTrial(pool: string, keyId: string): void;
  /**
   * Opt-in fleet-wide admission, for keys whose provider limit is known: asked before each
   * attempt on `keyId`. `true` lets the attempt go; a number is how many ms until the key's
   * window has room again, and the pool sidelines the key locally for that long and picks
   * another. This is the one store call on the success path, so stores without limits omit it.
   */
  admit?(pool: string, keyId: string): true | number | Promise<true | number>;
  /** Lets pools report store failures as `store.error` events. Returns an unsubscribe function. */
  onError?(listener: (error: StoreErrorInfo) => void): () => void;
  /** The store's own state, for snapshots and health output (`snapshot().store`). */
  health?(): StoreHealth;
  /**
   * Limits per (group, scope) and detected groups. Optional: a store without them shares key
   * state only, and each process keeps its own limits. `loadShared` is awaited with `load`
   * (same bound); `saveLimit` / `saveGroup` are called on changes only and must not throw.
   */
  loadShared?(pool: string): Promise<SharedPoolState>;
  saveLimit?(pool: string, state: SharedLimitState): void;
  saveGroup?(pool: string, state: SharedGroupState): void;
  /** Delivers limit and group changes made by any pool instance (the caller ignores its own `source`). */
  subscribeShared?(pool: string, listener: (change: SharedChange) => void): () => void;
  /** Forgets a key removed from the pool. */
  forget?(pool: string, keyId: string): void;
  close?(): Promise<void>;
}
