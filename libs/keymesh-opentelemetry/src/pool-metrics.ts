import type { KeyPool, KeymeshEvents } from '@keymesh/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_KEYMESH_CIRCUIT_STATE,
  ATTR_KEYMESH_DISABLE_REASON,
  ATTR_KEYMESH_FROM_KEY_ID,
  ATTR_KEYMESH_KEY_ID,
  ATTR_KEYMESH_OUTCOME,
  ATTR_KEYMESH_RATE_LIMIT_SOURCE,
  ATTR_KEYMESH_ROTATION_REASON,
  GEN_AI_TOKEN_TYPE_INPUT,
  GEN_AI_TOKEN_TYPE_OUTPUT,
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
  const transition = (state: string) => (e: { keyId: string }) => circuit.add(1, cache.with(key(e.keyId), ATTR_KEYMESH_CIRCUIT_STATE, state));

  return listen(pool, {
    'request.succeeded': (e: KeymeshEvents['request.succeeded']) => {
      const attributes = labels.request(e.scope);
      duration.record(e.durationMs / 1_000, attributes);
      attempts.add(1, attempt(e.keyId, OUTCOME_OK));
      const usage = e.usage;
      if (usage === undefined) return;
      if (usage.inputTokens !== undefined) tokens.record(usage.inputTokens, cache.with(attributes, ATTR_GEN_AI_TOKEN_TYPE, GEN_AI_TOKEN_TYPE_INPUT));
      if (usage.outputTokens !== undefined) tokens.record(usage.outputTokens, cache.with(attributes, ATTR_GEN_AI_TOKEN_TYPE, GEN_AI_TOKEN_TYPE_OUTPUT));
    },
    'request.failed': (e) => {
      duration.record(e.durationMs / 1_000, cache.with(labels.request(e.scope), ATTR_ERROR_TYPE, e.kind));
      if (endedByAttempt(e)) attempts.add(1, attempt(e.keyId, e.kind));
    },
    'request.retried': (e) => attempts.add(1, attempt(e.keyId, e.kind)),
    'key.rotated': (e) => rotations.add(1, cache.with(cache.with(labels.pool, ATTR_KEYMESH_FROM_KEY_ID, e.fromKeyId), ATTR_KEYMESH_ROTATION_REASON, e.reason)),
    'key.rate_limited': (e) => {
      const attributes = cache.with(key(e.keyId), ATTR_KEYMESH_RATE_LIMIT_SOURCE, e.source);
      rateLimits.add(1, attributes);
      rateLimitWait.record(e.retryAfterMs / 1_000, attributes);
    },
    'key.disabled': (e) => disables.add(1, cache.with(key(e.keyId), ATTR_KEYMESH_DISABLE_REASON, e.reason)),
    'circuit.opened': transition('open'),
    'circuit.half_opened': transition('half_open'),
    'circuit.closed': transition('closed'),
    'pool.exhausted': () => exhaustions.add(1, labels.pool),
  });
}
