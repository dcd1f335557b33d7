import type { KeyPool, KeySnapshot } from '@keymesh/core';
import type { BatchObservableCallback, Meter, ObservableGauge } from '@opentelemetry/api';
import {
  ATTR_KEYMESH_KEY_ID,
  ATTR_KEYMESH_KEY_STATE,
  METRIC_KEYMESH_KEY_AVAILABLE,
  METRIC_KEYMESH_KEY_COOLDOWN,
  METRIC_KEYMESH_KEY_IN_FLIGHT,
  METRIC_KEYMESH_KEYS,
  METRIC_KEYMESH_KEYS_AVAILABLE,
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
 * collection, nothing between collections. Returns the function that unregisters the callback.
 */
export function observePools(meter: Meter, pools: readonly ObservedPool[], cache: AttributeCache): () => void {
  const keys = meter.createObservableGauge(METRIC_KEYMESH_KEYS, { description: 'Keys in the pool, by breaker state.', unit: '{key}' });
  const available = meter.createObservableGauge(METRIC_KEYMESH_KEYS_AVAILABLE, { description: 'Keys that can take a request now.', unit: '{key}' });
  const keyAvailable = meter.createObservableGauge(METRIC_KEYMESH_KEY_AVAILABLE, { description: 'Whether the key can take a request now (1) or is sidelined or disabled (0).', unit: '1' });
  const cooldown = meter.createObservableGauge(METRIC_KEYMESH_KEY_COOLDOWN, {
    description: 'Seconds until the key can serve again: 0 when available; absent while disabled until re-enabled.',
    unit: 's',
  });
  const inFlight = meter.createObservableGauge(METRIC_KEYMESH_KEY_IN_FLIGHT, { description: 'Requests in flight on the key.', unit: '{request}' });
  const observables: ObservableGauge[] = [keys, available, keyAvailable, cooldown, inFlight];

  const callback: BatchObservableCallback = (observer) => {
    for (const { pool, labels } of pools) {
      const snapshot = pool.snapshot();
      observer.observe(available, snapshot.available, labels.pool);
      for (const state of states) {
        let count = 0;
        for (const key of snapshot.keys) if (key.state === state) count++;
        observer.observe(keys, count, cache.with(labels.pool, ATTR_KEYMESH_KEY_STATE, state));
      }
      for (const key of snapshot.keys) {
        const attributes = cache.with(labels.pool, ATTR_KEYMESH_KEY_ID, key.id);
        observer.observe(keyAvailable, key.available ? 1 : 0, attributes);
        observer.observe(inFlight, key.inFlight, attributes);
        if (key.availableAt !== null) observer.observe(cooldown, Math.max(0, key.availableAt - snapshot.at) / 1_000, attributes);
      }
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
