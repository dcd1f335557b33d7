import { Limit } from './limit.js';

/**
 * Keys that share their provider limits: an organisation or project (declared with `group` on
 * the key spec), a key alone (the default), or keys found to draw on one bucket (shared-quota
 * detection). A group holds one `Limit` per scope it has seen, created on first use.
 */
export class QuotaGroup<K = unknown> {
  readonly limits = new Map<string, Limit>();
  readonly keys = new Set<K>();

  constructor(
    /** The declared `group`, or the key id of a key alone. */
    public id: string,
    /** Declared with `group` (or merged by detection): not a key alone. */
    public declared: boolean,
  ) {}

  limit(scope: string): Limit {
    let limit = this.limits.get(scope);
    if (limit === undefined) this.limits.set(scope, (limit = new Limit(scope)));
    return limit;
  }

  /**
   * Takes in another group's keys and limits (shared-quota detection). A scope both know keeps the
   * longer cooldown and the newer reading; the absorbed limit points to the survivor, so requests
   * already in flight on it release their claims where they made them.
   */
  absorb(other: QuotaGroup<K>): void {
    for (const key of other.keys) this.keys.add(key);
    other.keys.clear();
    for (const [scope, theirs] of other.limits) {
      const ours = this.limits.get(scope);
      if (ours === undefined) {
        this.limits.set(scope, theirs);
        continue;
      }
      if (theirs.cooldownUntil > ours.cooldownUntil) {
        ours.cooldownUntil = theirs.cooldownUntil;
        ours.cooldownSource = theirs.cooldownSource;
      }
      theirs.mergedInto = ours;
    }
    other.limits.clear();
    this.declared = true;
  }
}
