import type { Clock } from '../clock.js';
import type { EventEmitter } from '../events/event-emitter.js';
import type { QuotaGroup } from '../limits/quota-group.js';
import { SharedQuotaDetector, type GroupMember, type SharedQuotaFinding } from '../limits/shared-quota.js';
import type { KeyEntry } from './key-entry.js';
import type { KeySet } from './key-set.js';

/**
 * A pool's quota groups over time: merges found by shared-quota detection (or learned from the
 * fleet store), each reported once — `quota.shared`, one warning line, the snapshot's findings —
 * and recorded in the store.
 */
export class QuotaSharing {
  readonly detector: SharedQuotaDetector | undefined;
  readonly findings: SharedQuotaFinding[] = [];

  constructor(
    private readonly pool: { name: string; keys: KeySet; clock: Clock; events: EventEmitter; detect: boolean; saved(finding: SharedQuotaFinding): void },
  ) {
    this.detector = pool.detect ? new SharedQuotaDetector((into, from, scope) => this.merge(into as QuotaGroup<KeyEntry>, from as QuotaGroup<KeyEntry>, scope, true)) : undefined;
  }

  /** Makes `from`'s keys members of `into` and reports it; `local`: found here (so the store hears of it). */
  merge(into: QuotaGroup<KeyEntry>, from: QuotaGroup<KeyEntry>, scope: string, local: boolean): void {
    if (into === from) return;
    const { keys, clock, events, name } = this.pool;
    for (const limit of from.limits.values()) this.detector?.forget(limit);
    keys.merge(into, from);
    const at = clock.now();
    const finding: SharedQuotaFinding = { group: into.id, keyIds: [...into.keys].map((key) => key.id), scope, at };
    const earlier = this.findings.findIndex((f) => f.group === finding.group);
    if (earlier >= 0) this.findings.splice(earlier, 1);
    this.findings.push(finding);
    if (local) this.pool.saved(finding);
    if (events.has('quota.shared')) events.emit('quota.shared', { pool: name, keyIds: finding.keyIds, scope, group: finding.group, at });
    process.emitWarning(
      `Keymesh pool "${name}": keys ${finding.keyIds.join(', ')} draw on one provider quota for "${scope}" (their rate-limit readings move as one bucket); they are treated as one quota group "${finding.group}" from now on. Declare it with \`group\` on the keys, or set \`groups: 'declared'\` to turn detection off.`,
      { code: 'KEYMESH_SHARED_QUOTA' },
    );
  }

  /** A finding from another process: merge the groups of the keys it names. */
  apply(finding: { group: string; keyIds: readonly string[]; scope: string }): void {
    const { keys } = this.pool;
    const members = finding.keyIds.map((id) => keys.get(id)).filter((key): key is KeyEntry => key !== undefined);
    const into = members.find((key) => key.group.id === finding.group)?.group ?? members[0]?.group;
    if (into === undefined) return;
    for (const member of members) if (member.group !== into) this.merge(into, member.group, finding.scope, false);
  }
}

export type { GroupMember };
