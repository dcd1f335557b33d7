import type { KeySnapshot } from '@keymesh/core';
import { Inject, Injectable } from '@nestjs/common';
import { KeymeshService } from '@keymesh/nestjs';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.registry.js';

const STATES: KeySnapshot['state'][] = ['closed', 'open', 'half_open', 'disabled'];

/**
 * Gauges read from `snapshot()` at scrape time rather than tracked from events: the snapshot is
 * the pool's own truth (a cooldown ends without any event), and reading it costs nothing
 * between scrapes.
 */
@Injectable()
export class PoolSnapshotMetrics {
  constructor(@Inject(METRICS_REGISTRY) registry: Registry, keymesh: KeymeshService) {
    const registers = [registry];
    // One snapshot per scrape, shared by every gauge collected in that scrape.
    let cached: { at: number; pools: ReturnType<KeymeshService['snapshot']> } | undefined;
    const pools = () => {
      const now = Date.now();
      if (!cached || now - cached.at > 50) cached = { at: now, pools: keymesh.snapshot() };
      return Object.values(cached.pools);
    };
    const perKey = (name: string, help: string, value: (key: KeySnapshot, now: number) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['pool', 'key'],
        registers,
        collect() {
          this.reset();
          const now = Date.now();
          for (const pool of pools()) {
            for (const key of pool.keys) {
              const v = value(key, now);
              if (v !== undefined) this.set({ pool: pool.name, key: key.id }, v);
            }
          }
        },
      });

    new Gauge({
      name: 'keymesh_key_state',
      help: 'Breaker state per key: 1 for the current state, 0 for the others.',
      labelNames: ['pool', 'key', 'state'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools()) {
          for (const key of pool.keys) for (const state of STATES) this.set({ pool: pool.name, key: key.id, state }, key.state === state ? 1 : 0);
        }
      },
    });
    perKey('keymesh_key_available', 'Whether the key can take a request now (1) or is sidelined or disabled (0).', (key) => (key.available ? 1 : 0));
    perKey('keymesh_key_available_in_seconds', 'Seconds until the key can serve again; 0 when available, absent while disabled until re-enabled.', (key, now) =>
      key.availableAt === null ? undefined : Math.max(0, key.availableAt - now) / 1_000,
    );
    perKey('keymesh_key_in_flight', 'Requests in flight on the key.', (key) => key.inFlight);
    perKey('keymesh_key_consecutive_failures', 'Key-scoped failures in a row (the breaker opens at its threshold).', (key) => key.consecutiveFailures);

    const perPool = (name: string, help: string, value: (pool: ReturnType<typeof pools>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['pool'],
        registers,
        collect() {
          this.reset();
          for (const pool of pools()) this.set({ pool: pool.name }, value(pool));
        },
      });
    perPool('keymesh_pool_keys', 'Keys in the pool.', (pool) => pool.size);
    perPool('keymesh_pool_available_keys', 'Keys that can take a request now.', (pool) => pool.available);
    perPool('keymesh_pool_healthy', 'Whether at least one key can serve now (1) or not (0).', (pool) => (pool.healthy ? 1 : 0));
  }
}
