import type { KeyNames } from './key-names.js';
import type { LimitTable } from './limits.js';
import { admitScript, runScript } from './lua-scripts.js';
import { isCommandError, type RedisLink } from './redis-link.js';

/**
 * Fleet-wide admission for keys with a known limit: one atomic script per attempt on such a key
 * (the only Redis round trip on the success path, and only for limited keys). Keys without a
 * limit are admitted synchronously, without Redis.
 */
export class FleetAdmission {
  readonly #table: LimitTable;
  readonly #link: RedisLink;
  readonly #names: KeyNames;
  readonly #origin: string;
  readonly #report: (operation: string, error: unknown) => void;
  #sequence = 0;

  constructor(table: LimitTable, link: RedisLink, names: KeyNames, origin: string, report: (operation: string, error: unknown) => void) {
    this.#table = table;
    this.#link = link;
    this.#names = names;
    this.#origin = origin;
    this.#report = report;
  }

  /** `true`, or the ms until the key's window has room. Fails open: without an answer from Redis the attempt goes ahead. */
  admit(pool: string, keyId: string): true | Promise<true | number> {
    const limit = this.#table.limitOf(pool, keyId);
    if (limit === undefined || this.#link.state === 'down') return true;
    // The member only has to be unique within the window; it names no key and no secret.
    const member = `${this.#origin}:${++this.#sequence}`;
    return runScript<number>(this.#link, admitScript, [this.#names.limit(pool, keyId)], [String(limit.windowMs), String(limit.requests), member], 'admit').then(
      (waitMs) => (Number(waitMs) === 0 ? true : Number(waitMs)),
      (error: unknown) => {
        if (isCommandError(error)) this.#report('admit', error);
        return true as const;
      },
    );
  }
}
