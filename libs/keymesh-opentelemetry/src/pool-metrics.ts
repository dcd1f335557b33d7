import type { KeyPool } from '@keymesh/core';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_KEYMESH_CIRCUIT_REASON,
  ATTR_KEYMESH_EXHAUSTION_REASON,
  ATTR_KEYMESH_LIMIT_SCOPE,
  ATTR_KEYMESH_CIRCUIT_STATE,
  ATTR_KEYMESH_DISABLE_REASON,
  ATTR_KEYMESH_FROM_KEY_ID,
  ATTR_KEYMESH_KEY_ID,
  ATTR_KEYMESH_OUTCOME,
  ATTR_KEYMESH_RATE_LIMIT_SOURCE,
  ATTR_KEYMESH_ROTATION_REASON,
  OUTCOME_OK,
} from './attributes.js';
import type { AttributeCache } from './attribute-cache.js';
import type { EventInstruments } from './instruments.js';
import { listen } from './listen.js';
import { endedByAttempt } from './request-end.js';
import type { PoolLabels } from './pool-labels.js';


/**
 * Feeds the event instruments from one pool's events: each listener records a value with a
 * cached attribute set, and nothing else. Returns the detach function.
 */
export function recordPoolMetrics(pool: KeyPool, labels: PoolLabels, instruments: EventInstruments, cache: AttributeCache): () => void {
  const { duration, tokens, attempts, rotations, rateLimits, rateLimitWait, disables, circuit, exhaustions } = instruments;
  const key = (keyId: string) => cache.with(labels.pool, ATTR_KEYMESH_KEY_ID, keyId);
  const attempt = (keyId: string, outcome: string) => cache.with(key(keyId), ATTR_KEYMESH_OUTCOME, outcome);
  // The success path's one lookup: the key's `ok` attempt series.
  const oks = new Map<string, Attributes>();
  const okAttempt = (keyId: string) => {
    let attributes = oks.get(keyId);
    if (attributes === undefined) oks.set(keyId, (attributes = attempt(keyId, OUTCOME_OK)));
    return attributes;
  };
  const transition = (state: string) => (e: { keyId: string }) => circuit.add(cache.with(key(e.keyId), ATTR_KEYMESH_CIRCUIT_STATE, state));

  return listen(pool, {
    'request.succeeded': (e) => {
      const model = labels.of(e.scope);
      duration.record(e.durationMs / 1_000, model.request);
      attempts.add(okAttempt(e.keyId));
      const usage = e.usage;
      if (usage === undefined) return;
      if (usage.inputTokens !== undefined) tokens.record(usage.inputTokens, model.inputTokens);
      if (usage.outputTokens !== undefined) tokens.record(usage.outputTokens, model.outputTokens);
    },
    'request.failed': (e) => {
      duration.record(e.durationMs / 1_000, cache.with(labels.of(e.scope).request, ATTR_ERROR_TYPE, e.kind));
      if (endedByAttempt(e)) attempts.add(attempt(e.keyId, e.kind));
    },
    'request.retried': (e) => attempts.add(attempt(e.keyId, e.kind)),
    'key.rotated': (e) => rotations.add(cache.with(cache.with(labels.pool, ATTR_KEYMESH_FROM_KEY_ID, e.fromKeyId), ATTR_KEYMESH_ROTATION_REASON, e.reason)),
    'key.rate_limited': (e) => {
      const attributes = cache.with(cache.with(key(e.keyId), ATTR_KEYMESH_RATE_LIMIT_SOURCE, e.source), ATTR_KEYMESH_LIMIT_SCOPE, labels.scope(e.scope));
      rateLimits.add(attributes);
      rateLimitWait.record(e.retryAfterMs / 1_000, attributes);
    },
    'key.disabled': (e) => disables.add(cache.with(key(e.keyId), ATTR_KEYMESH_DISABLE_REASON, e.reason)),
    'circuit.opened': (e) => circuit.add(cache.with(cache.with(key(e.keyId), ATTR_KEYMESH_CIRCUIT_STATE, 'open'), ATTR_KEYMESH_CIRCUIT_REASON, e.reason)),
    'circuit.half_opened': transition('half_open'),
    'circuit.closed': transition('closed'),
    'pool.exhausted': (e) => exhaustions.add(cache.with(labels.pool, ATTR_KEYMESH_EXHAUSTION_REASON, e.reason)),
  });
}
