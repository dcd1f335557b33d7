import type { Attributes, BatchObservableResult, Meter, MetricOptions, ObservableCounter } from '@opentelemetry/api';

/**
 * A counter kept here and reported when a reader collects, as an OpenTelemetry monotonic counter
 * (Prometheus `…_total`): counting is one Map lookup and an increment, where an SDK counter's
 * `add` hashes the attribute set on every call. Attribute sets come from `AttributeCache`, so the
 * same object stands for the same series.
 */
export class Tally {
  readonly instrument: ObservableCounter;
  readonly #totals = new Map<Attributes, { value: number }>();

  constructor(meter: Meter, name: string, options: MetricOptions) {
    this.instrument = meter.createObservableCounter(name, options);
  }

  add(attributes: Attributes): void {
    const total = this.#totals.get(attributes);
    if (total === undefined) this.#totals.set(attributes, { value: 1 });
    else total.value++;
  }

  /** Reports every series' total; called from the instrumentation's batch observable callback. */
  observe(observer: BatchObservableResult): void {
    for (const [attributes, total] of this.#totals) observer.observe(this.instrument, total.value, attributes);
  }
}

