import type { KeyNames } from './key-names.js';
import { releaseTrialScript, runScript } from './lua-scripts.js';
import { isCommandError, type RedisLink } from './redis-link.js';

/**
 * The half-open trial of a key, fleet-wide: a lease `SET NX PX` under a token only this store
 * knows. Whoever holds it runs the one trial request; it is given back by its holder only (a
 * compare-and-delete), and a holder that crashed blocks the key for no longer than the lease.
 */
export class TrialLeases {
  /** Lease key → our token, for the leases this process holds. */
  readonly #held = new Map<string, string>();
  readonly #link: RedisLink;
  readonly #names: KeyNames;
  readonly #origin: string;
  readonly #report: (operation: string, error: unknown) => void;
  #sequence = 0;

  constructor(link: RedisLink, names: KeyNames, origin: string, report: (operation: string, error: unknown) => void) {
    this.#link = link;
    this.#names = names;
    this.#origin = origin;
    this.#report = report;
  }

  /**
   * True when this process may run the trial. During an outage (or when Redis does not answer in
   * time) also true: each process then allows one trial of its own, rather than none at all.
   */
  async acquire(pool: string, keyId: string, leaseMs: number): Promise<boolean> {
    if (this.#link.state === 'down') return true;
    const key = this.#names.trial(pool, keyId);
    const token = `${this.#origin}:${++this.#sequence}`;
    try {
      const reply = await this.#link.send<string | null>(['SET', key, token, 'NX', 'PX', String(Math.max(1, Math.ceil(leaseMs)))], 'acquireTrial');
      if (reply !== 'OK') return false;
      this.#held.set(key, token);
      return true;
    } catch (error) {
      // Unanswered: the SET may still land after our timeout, so the token is kept for release.
      if (!this.#held.has(key)) this.#held.set(key, token);
      if (isCommandError(error)) this.#report('acquireTrial', error);
      return true;
    }
  }

  /**
   * Gives the lease back, one microtask later: the pool records the trial's outcome (closed, or
   * open again) right after releasing, and that state change must reach Redis first, or another
   * process could take a trial whose answer is already known.
   */
  release(pool: string, keyId: string): void {
    const key = this.#names.trial(pool, keyId);
    const token = this.#held.get(key);
    if (token === undefined) return;
    this.#held.delete(key);
    queueMicrotask(() => {
      // During an outage the lease simply expires.
      if (this.#link.state !== 'up') return;
      runScript(this.#link, releaseTrialScript, [key], [token], 'releaseTrial').catch((error: unknown) => {
        if (isCommandError(error)) this.#report('releaseTrial', error);
      });
    });
  }

  /** Gives back every lease still held (at close), so other processes need not wait them out. */
  async releaseAll(): Promise<void> {
    const held = [...this.#held];
    this.#held.clear();
    if (this.#link.state !== 'up') return;
    await Promise.all(held.map(([key, token]) => runScript(this.#link, releaseTrialScript, [key], [token], 'releaseTrial').catch(() => undefined)));
  }
}
