import type { KeyPool, KeySnapshot, PoolSnapshot } from '@keymesh/core';
import type { BatchObservableResult, Meter, ObservableGauge } from '@opentelemetry/api';
import {
  ATTR_KEYMESH_KEY_GROUP,
  ATTR_KEYMESH_KEY_ID,
  ATTR_KEYMESH_LIMIT_DIMENSION,
  ATTR_KEYMESH_LIMIT_SCOPE,
  OTHER_VALUE,
  ATTR_KEYMESH_KEY_STATE,
  METRIC_KEYMESH_KEY_AVAILABLE,
  METRIC_KEYMESH_KEY_COOLDOWN,
  METRIC_KEYMESH_KEY_IN_FLIGHT,
  METRIC_KEYMESH_KEYS,
  METRIC_KEYMESH_KEYS_AVAILABLE,
  METRIC_KEYMESH_LIMIT_AVAILABLE,
  METRIC_KEYMESH_LIMIT_REMAINING,
} from './attributes.js';
import type { AttributeCache } from './attribute-cache.js';
import type { PoolLabels } from './pool-labels.js';

const states: readonly KeySnapshot['state'][] = ['closed', 'open', 'half_open', 'disabled'];

export interface ObservedPool {
  pool: KeyPool;
  labels: PoolLabels;
}

/**
 * Key state as observable gauges, read from `snapshot()` when a reader collects (the snapshot is
 * the pool's own truth: a cooldown ends without any event) — one snapshot per pool per
 * collection, nothing between collections.
 */
export class KeyGauges {
  readonly #keys: ObservableGauge;
  readonly #available: ObservableGauge;
  readonly #keyAvailable: ObservableGauge;
  readonly #cooldown: ObservableGauge;
  readonly #inFlight: ObservableGauge;
  readonly #limitAvailable: ObservableGauge;
  readonly #limitRemaining: ObservableGauge;
  readonly observables: ObservableGauge[];

  constructor(meter: Meter) {
    this.#keys = meter.createObservableGauge(METRIC_KEYMESH_KEYS, { description: 'Keys in the pool, by breaker state.', unit: '{key}' });
    this.#available = meter.createObservableGauge(METRIC_KEYMESH_KEYS_AVAILABLE, { description: 'Keys that can take a request now.', unit: '{key}' });
    this.#keyAvailable = meter.createObservableGauge(METRIC_KEYMESH_KEY_AVAILABLE, { description: 'Whether the key can take a request now (1) or is sidelined or disabled (0).', unit: '1' });
    this.#cooldown = meter.createObservableGauge(METRIC_KEYMESH_KEY_COOLDOWN, {
      description: 'Seconds until the key can serve again: 0 when available; absent while disabled until re-enabled.',
      unit: 's',
    });
    this.#inFlight = meter.createObservableGauge(METRIC_KEYMESH_KEY_IN_FLIGHT, { description: 'Requests in flight on the key.', unit: '{request}' });
    this.#limitAvailable = meter.createObservableGauge(METRIC_KEYMESH_LIMIT_AVAILABLE, {
      description: 'Whether a quota group can take requests for a scope now (1) or the limit is sidelined (0).',
      unit: '1',
    });
    this.#limitRemaining = meter.createObservableGauge(METRIC_KEYMESH_LIMIT_REMAINING, {
      description: "What the provider's last reading said remains of a limit, less what requests in flight reserved, per dimension.",
      unit: '{unit}',
    });
    this.observables = [this.#keys, this.#available, this.#keyAvailable, this.#cooldown, this.#inFlight, this.#limitAvailable, this.#limitRemaining];
  }

  observe(observer: BatchObservableResult, pools: readonly ObservedPool[], cache: AttributeCache): void {
    for (const { pool, labels } of pools) {
      const snapshot = pool.snapshot();
      observer.observe(this.#available, snapshot.available, labels.pool);
      for (const state of states) {
        let count = 0;
        for (const key of snapshot.keys) if (key.state === state) count++;
        observer.observe(this.#keys, count, cache.with(labels.pool, ATTR_KEYMESH_KEY_STATE, state));
      }
      for (const key of snapshot.keys) {
        const attributes = cache.with(labels.pool, ATTR_KEYMESH_KEY_ID, key.id);
        observer.observe(this.#keyAvailable, key.available ? 1 : 0, attributes);
        observer.observe(this.#inFlight, key.inFlight, attributes);
        if (key.availableAt !== null) observer.observe(this.#cooldown, Math.max(0, key.availableAt - snapshot.at) / 1_000, attributes);
      }
      this.#observeLimits(observer, snapshot, labels, cache);
    }
  }

  /** Limits belong to a quota group: each (group, scope) once, however many keys share it. */
  #observeLimits(observer: BatchObservableResult, snapshot: PoolSnapshot, labels: PoolLabels, cache: AttributeCache): void {
    const groups = new Set<string>();
    for (const key of snapshot.keys) {
      if (groups.has(key.group)) continue;
      groups.add(key.group);
      const group = cache.with(labels.pool, ATTR_KEYMESH_KEY_GROUP, key.group);
      for (const limit of key.limits) {
        const scope = labels.scope(limit.scope);
        // Scopes past the model cap would all be one `_OTHER` series with clashing values: left out.
        if (scope === OTHER_VALUE) continue;
        const attributes = cache.with(group, ATTR_KEYMESH_LIMIT_SCOPE, scope);
        observer.observe(this.#limitAvailable, limit.available ? 1 : 0, attributes);
        for (const [dimension, remaining] of Object.entries(limit.remaining)) {
          if (remaining !== undefined) observer.observe(this.#limitRemaining, remaining, cache.with(attributes, ATTR_KEYMESH_LIMIT_DIMENSION, dimension));
        }
      }
    }
  }
}
