/**
 * Where one pool's shared state lives in Redis. Everything sits under the store's prefix, so
 * one `SCAN <prefix>*` shows all of it and two deployments on one Redis stay apart with two
 * prefixes.
 *
 * Pool names and key ids are URI-encoded: `:` can then never appear inside a component, so a
 * pool called `a:state` cannot collide with pool `a`'s keys.
 */
export class KeyNames {
  constructor(readonly prefix: string) {}

  /** The key's shared state (JSON), written by the save script. */
  state(pool: string, keyId: string): string {
    return `${this.#pool(pool)}:state:${encodeURIComponent(keyId)}`;
  }

  /** The half-open trial lease: present while one process holds the key's trial. */
  trial(pool: string, keyId: string): string {
    return `${this.#pool(pool)}:trial:${encodeURIComponent(keyId)}`;
  }

  /** The sliding window of admitted requests for a key with a fleet-wide limit. */
  limit(pool: string, keyId: string): string {
    return `${this.#pool(pool)}:limit:${encodeURIComponent(keyId)}`;
  }

  /** A hash of the pool's limits per (group, scope), one field each (`limitField`), written by the save-field script. */
  limits(pool: string): string {
    return `${this.#pool(pool)}:limits`;
  }

  limitField(group: string, scope: string): string {
    return `${encodeURIComponent(group)}:${encodeURIComponent(scope)}`;
  }

  /** A hash of the pool's detected quota groups, one field per group id. */
  groups(pool: string): string {
    return `${this.#pool(pool)}:groups`;
  }

  groupField(group: string): string {
    return encodeURIComponent(group);
  }

  /** The pub/sub channel that carries one pool's state changes (keys, limits and groups). */
  channel(pool: string): string {
    return `${this.#pool(pool)}:changes`;
  }

  #pool(pool: string): string {
    return this.prefix + encodeURIComponent(pool);
  }
}
