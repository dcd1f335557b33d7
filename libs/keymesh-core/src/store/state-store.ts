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
  /** Forgets a key removed from the pool. */
  forget?(pool: string, keyId: string): void;
  close?(): Promise<void>;
}
