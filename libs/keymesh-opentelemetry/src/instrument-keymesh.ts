import { metrics, trace, type BatchObservableCallback, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { INSTRUMENTATION_NAME } from './attributes.js';
import { AttributeCache } from './attribute-cache.js';
import { createEventInstruments } from './instruments.js';
import { KeyGauges } from './pool-gauges.js';
import { PoolLabels } from './pool-labels.js';
import { recordPoolMetrics } from './pool-metrics.js';
import { tracePool } from './pool-traces.js';
import { poolsOf, type InstrumentTarget } from './targets.js';
import { checkOptions } from './options.js';

export interface InstrumentKeymeshOptions {
  /** Where metrics go. Default: the global provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /** Where spans go. Default: the global provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /**
   * `gen_ai.provider.name` for pools no built-in adapter wrapped (a bare `KeyPool`, `httpAdapter`).
   * Pools of the OpenAI, Anthropic and Gemini adapters report `openai`, `anthropic`, `gcp.gemini`.
   */
  providerName?: string;
  /**
   * Distinct `gen_ai.request.model` values kept per pool (default 32); later ones are reported as
   * `_OTHER`. The model is the request's scope, read from the caller's request.
   */
  maxModels?: number;
  /** Set false to record metrics only (default true). */
  traces?: boolean;
  /** Set false to record spans only (default true). */
  metrics?: boolean;
}

export interface KeymeshInstrumentation {
  /** The pools being instrumented. */
  readonly pools: readonly string[];
  /** Detaches every listener and the gauge callback, and ends spans still open. Idempotent. */
  dispose(): void;
}

/**
 * Records OpenTelemetry metrics and spans for every pool behind `target`: the GenAI client
 * conventions (`gen_ai.client.operation.duration`, `gen_ai.client.token.usage`, one `chat <model>`
 * span per request) and `keymesh.*` metrics for keys, limits, rotations and refusals.
 */
export function instrumentKeymesh(target: InstrumentTarget, options: InstrumentKeymeshOptions = {}): KeymeshInstrumentation {
  const { maxModels, traces, metrics: withMetrics } = checkOptions(options);
  const pools = poolsOf(target);
  const cache = new AttributeCache();
  const observed = pools.map((pool) => ({ pool, labels: new PoolLabels(pool, options.providerName, maxModels) }));
  const detach: Array<() => void> = [];

  if (withMetrics) {
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME);
    const instruments = createEventInstruments(meter);
    const gauges = new KeyGauges(meter);
    for (const { pool, labels } of observed) detach.push(recordPoolMetrics(pool, labels, instruments, cache));
    // One callback per collection: the counters' totals and one snapshot per pool.
    const collect: BatchObservableCallback = (observer) => {
      instruments.observe(observer);
      gauges.observe(observer, observed, cache);
    };
    const observables = [...instruments.observables, ...gauges.observables];
    meter.addBatchObservableCallback(collect, observables);
    detach.push(() => meter.removeBatchObservableCallback(collect, observables));
  }
  if (traces) {
    const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
    for (const { pool, labels } of observed) detach.push(tracePool(pool, labels, tracer));
  }

  return {
    pools: pools.map((pool) => pool.name),
    dispose: () => {
      for (const undo of detach.splice(0)) undo();
    },
  };
}
