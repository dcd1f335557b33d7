import type { Limit } from './limit.js';
import type { QuotaGroup } from './quota-group.js';

/** How many recent sends a limit remembers (their pool-wide order), to count them between two readings. */
const memory = 32;
/** Readings that must each confirm one bucket before two groups are merged. */
const confirmations = 2;

/** What detection needs of a key: its group. */
export interface GroupMember {
  readonly id: string;
  group: QuotaGroup<GroupMember>;
}

/** A finding: keys of two groups draw on one bucket. */
export interface SharedQuotaFinding {
  group: string;
  keyIds: string[];
  scope: string;
  at: number;
}

/** Per limit: the last requests reading as detection saw it, and its recent sends. */
interface Track {
  owner: GroupMember;
  remaining: number;
  sequence: number;
  /** Pool-wide order of the request behind the reading. */
  order: number;
  /**
   * Requests of the limit in flight when the reading was taken, besides its own: they may reach
   * the provider after it (answers and arrivals reorder), so a later reading may count them.
   */
  slack: number;
  whole: number;
  resetAt: number;
  /** The other limit whose readings continued this one's count, and how many times in a row. */
  partner: Limit | undefined;
  evidence: number;
  /** A reading of this limit showed less than its own sends explain: something else draws on its bucket. */
  suspect: boolean;
}

/**
 * Shared-quota detection. Keys in different groups may draw on one provider bucket without
 * saying so (two keys of one organisation). Each limit's requests readings are checked against
 * its own count first: a bucket used by this limit alone says, within one window, at least what it
 * said last time less the requests sent since and less those in flight then (which may reach the
 * provider after that reading) — never less. Only a reading that shows less (someone else drew on the bucket) is
 * compared with the other limits of the scope that report the same whole limit: if one of them
 * read R and the two limits sent n requests between that reading and this one, one bucket means
 * this reading is exactly R − n (n also counts the sends of other limits that showed the same sign
 * of a shared bucket, as keys of one bucket not merged yet drain it too). After `confirmations`
 * such readings in a row the two groups are
 * merged. Independent keys with equal limits never show less than their own count, so they are
 * never compared, let alone merged. The common path (a consistent reading) is O(1).
 */
export class SharedQuotaDetector {
  readonly #tracks = new Map<Limit, Track>();
  readonly #byScope = new Map<string, Set<Limit>>();
  /** Pool-wide send order. */
  #order = 0;

  constructor(private readonly merge: (into: QuotaGroup<GroupMember>, from: QuotaGroup<GroupMember>, scope: string) => void) {}

  /** A request was sent on a tracked `limit` (one with `sends`), after `Limit.reserve`: O(1). Untracked sends need no order. */
  sent(limit: Limit): void {
    const order = ++this.#order;
    const sends = limit.sends;
    if (sends !== undefined) sends[limit.sent % memory] = order;
  }

  /** `limit` took a reading from `owner`'s answer (after `Limit.read`). */
  read(owner: GroupMember, limit: Limit, now: number): void {
    if ((limit.known & 1) === 0) return;
    const remaining = limit.remaining[0]!;
    const sequence = limit.readingSequence;
    let track = this.#tracks.get(limit);
    if (track === undefined) {
      limit.sends = new Float64Array(memory).fill(NaN);
      track = { owner, slack: Math.max(0, limit.inFlight - 1), remaining, sequence, order: NaN, whole: limit.whole[0]!, resetAt: limit.resetAt[0]!, partner: undefined, evidence: 0, suspect: false };
      this.#tracks.set(limit, track);
      let scoped = this.#byScope.get(limit.scope);
      if (scoped === undefined) this.#byScope.set(limit.scope, (scoped = new Set()));
      scoped.add(limit);
      return;
    }
    const order = limit.sent - sequence < memory ? limit.sends![sequence % memory]! : NaN;
    const sameWindow = track.whole === limit.whole[0] && !(track.resetAt <= now) && Number.isFinite(track.order) && sequence > track.sequence;
    // The least a bucket used by this limit alone can say now: the last reading, less the requests
    // sent since, less those that were in flight then and may have arrived after it.
    const ownCount = track.remaining - (sequence - track.sequence) - track.slack;
    if (sameWindow && remaining < ownCount && Number.isFinite(order)) {
      track.suspect = true;
      this.#compare(limit, track, remaining, order, now);
    }
    track.owner = owner;
    track.slack = Math.max(0, limit.inFlight - 1);
    track.remaining = remaining;
    track.sequence = sequence;
    track.order = order;
    track.whole = limit.whole[0]!;
    track.resetAt = limit.resetAt[0]!;
  }

  /** Forgets limits no longer in use (their group merged away, or their keys removed). */
  forget(limit: Limit): void {
    this.#tracks.delete(limit);
    this.#byScope.get(limit.scope)?.delete(limit);
  }

  /** This reading shows fewer remaining than the limit's own sends explain: does another limit's count continue into it? */
  #compare(limit: Limit, track: Track, remaining: number, order: number, now: number): void {
    const scoped = this.#byScope.get(limit.scope)!;
    for (const other of scoped) {
      if (other === limit) continue;
      const theirs = this.#tracks.get(other)!;
      if (theirs.owner.group === track.owner.group || theirs.whole !== track.whole || theirs.resetAt <= now || !(theirs.order < order)) continue;
      // Sends that drew on the bucket between the two readings: both limits', and those of every other
      // suspect (a limit whose own readings showed someone else drawing on its bucket: independent
      // keys never do), since keys of one bucket not merged yet drain it too.
      let between = countBetween(other, theirs.order, order) + countBetween(limit, theirs.order, order);
      for (const third of scoped) {
        if (third === limit || third === other) continue;
        const thirds = this.#tracks.get(third)!;
        if (thirds.suspect && thirds.whole === track.whole && thirds.owner.group !== track.owner.group && thirds.owner.group !== theirs.owner.group) {
          between += countBetween(third, theirs.order, order);
        }
      }
      if (Number.isNaN(between) || remaining !== theirs.remaining - between) continue;
      // Evidence for the pair, from either side's readings.
      track.evidence = Math.max(track.partner === other ? track.evidence : 0, theirs.partner === limit ? theirs.evidence : 0) + 1;
      track.partner = other;
      if (track.evidence < confirmations) return;
      track.evidence = 0;
      track.partner = undefined;
      this.merge(theirs.owner.group, track.owner.group, limit.scope);
      return;
    }
    track.evidence = 0;
    track.partner = undefined;
  }
}

/** Sends of `limit` whose pool-wide order is in (from, to]; NaN when some may be older than what it remembers. */
function countBetween(limit: Limit, from: number, to: number): number {
  const sends = limit.sends!;
  let count = 0;
  for (let sequence = limit.sent; sequence >= 1 && sequence > limit.sent - memory; sequence--) {
    const order = sends[sequence % memory]!;
    if (Number.isNaN(order)) return NaN;
    if (order <= from) return count;
    if (order <= to) count++;
  }
  return limit.sent <= memory ? count : NaN;
}
