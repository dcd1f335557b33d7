import type { KeyPool } from '../pool/key-pool.js';
import type { PoolSnapshot } from '../pool/snapshot.js';

export interface HealthReport {
  /** `up` while every pool has a key that can serve now. */
  status: 'up' | 'down';
  pools: Record<string, Omit<PoolSnapshot, 'name'>>;
  /**
   * One line per thing an operator should act on while the pools still serve: keys declared apart
   * that were found to share one provider quota (they count as one group from then on). Absent
   * when there is nothing to say.
   */
  warnings?: string[];
}

/**
 * The body every health endpoint serves (Express, NestJS, terminus): each pool's snapshot,
 * which never holds a secret. Serve it with 200 when `status` is `up`, else 503.
 */
export function healthReport(pools: Readonly<Record<string, KeyPool>>): HealthReport {
  const report: HealthReport = { status: 'up', pools: {} };
  for (const [name, pool] of Object.entries(pools)) {
    const { name: _name, ...snapshot } = pool.snapshot();
    report.pools[name] = snapshot;
    if (!snapshot.healthy) report.status = 'down';
    for (const finding of snapshot.sharedQuotas ?? []) {
      (report.warnings ??= []).push(`${name}: keys ${finding.keyIds.join(', ')} share one provider quota for ${finding.scope} (detected, though declared apart); they count as one group of capacity`);
    }
  }
  return report;
}
