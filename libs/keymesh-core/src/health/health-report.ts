import type { KeyPool } from '../pool/key-pool.js';
import type { PoolSnapshot } from '../pool/snapshot.js';

export interface HealthReport {
  /** `up` while every pool has a key that can serve now. */
  status: 'up' | 'down';
  pools: Record<string, Omit<PoolSnapshot, 'name'>>;
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
  }
  return report;
}
