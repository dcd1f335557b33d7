import type { BatchObservableResult, Histogram, Meter, Observable } from '@opentelemetry/api';
import {
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_KEYMESH_ATTEMPTS,
  METRIC_KEYMESH_CIRCUIT_TRANSITIONS,
  METRIC_KEYMESH_EXHAUSTIONS,
  METRIC_KEYMESH_KEY_DISABLES,
  METRIC_KEYMESH_RATE_LIMIT_WAIT,
  METRIC_KEYMESH_RATE_LIMITS,
  METRIC_KEYMESH_ROTATIONS,
} from './attributes.js';
import { Tally } from './tally.js';

/** The event-fed instruments, created once per `instrumentKeymesh` call and shared by its pools. */
export interface EventInstruments {
  duration: Histogram;
  tokens: Histogram;
  rateLimitWait: Histogram;
  attempts: Tally;
  rotations: Tally;
  rateLimits: Tally;
  disables: Tally;
  circuit: Tally;
  exhaustions: Tally;
  /** The counters' instruments, for the batch observable callback. */
  observables: Observable[];
  /** Reports every counter's totals. */
  observe(observer: BatchObservableResult): void;
}

// Bucket boundaries the GenAI conventions recommend.
const durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** Rate-limit cooldowns run from a second to a day (a daily quota's reset). */
const waitBuckets = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400];

export function createEventInstruments(meter: Meter): EventInstruments {
  const tallies = {
    attempts: new Tally(meter, METRIC_KEYMESH_ATTEMPTS, { description: 'Upstream attempts, by outcome (ok or the failure kind).', unit: '{attempt}' }),
    rotations: new Tally(meter, METRIC_KEYMESH_ROTATIONS, { description: 'Requests moved to another key after a key-scoped failure, by the key left and why.', unit: '{rotation}' }),
    rateLimits: new Tally(meter, METRIC_KEYMESH_RATE_LIMITS, { description: 'Times a key was sidelined for a rate limit, by where the wait came from.', unit: '{rate_limit}' }),
    disables: new Tally(meter, METRIC_KEYMESH_KEY_DISABLES, { description: 'Times a key was disabled: rejected, out of quota, or by hand.', unit: '{disable}' }),
    circuit: new Tally(meter, METRIC_KEYMESH_CIRCUIT_TRANSITIONS, { description: 'Breaker transitions per key, by the state entered.', unit: '{transition}' }),
    exhaustions: new Tally(meter, METRIC_KEYMESH_EXHAUSTIONS, { description: 'Requests refused because no key could serve within the budget (PoolExhaustedError).', unit: '{request}' }),
  };
  const all = Object.values(tallies);
  return {
    ...tallies,
    duration: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
      description: 'GenAI operation duration: one request through the pool, its retries and rotations included.',
      unit: 's',
      advice: { explicitBucketBoundaries: durationBuckets },
    }),
    tokens: meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
      description: 'Number of input and output tokens used, as the answer reported them.',
      unit: '{token}',
      advice: { explicitBucketBoundaries: tokenBuckets },
    }),
    rateLimitWait: meter.createHistogram(METRIC_KEYMESH_RATE_LIMIT_WAIT, {
      description: 'How long each rate limit sidelined its key (the provider hint, or the default cooldown).',
      unit: 's',
      advice: { explicitBucketBoundaries: waitBuckets },
    }),
    observables: all.map((tally) => tally.instrument),
    observe: (observer) => {
      for (const tally of all) tally.observe(observer);
    },
  };
}
