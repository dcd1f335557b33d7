import type { KeyPool } from '@keymesh/core';
import { instrumentKeymesh, type KeymeshInstrumentation } from '@keymesh/opentelemetry';
import { prometheusMeters } from '@keymesh/opentelemetry/prometheus';
import type { Counter } from '@opentelemetry/api';

/**
 * What `/metrics` serves: every pool's metrics from `@keymesh/opentelemetry` (the GenAI client
 * conventions and the `keymesh.*` counters and key/limit gauges, one metric layer for the whole
 * project) plus the proxy's own answers by route and status class, in the Prometheus text format,
 * collected at scrape time on a MeterProvider of the proxy's own. No secret, no request content.
 */
export class ProxyMetrics {
  readonly #meters = prometheusMeters();
  readonly #answers: Counter;
  #instrumentation: KeymeshInstrumentation | undefined;

  constructor() {
    this.#answers = this.#meters.provider
      .getMeter('@keymesh/proxy')
      .createCounter('keymesh.proxy.http.requests', { description: 'Requests answered by the proxy, by route and status class.', unit: '{request}' });
  }

  watch(pools: Readonly<Record<string, KeyPool>>): void {
    this.#instrumentation = instrumentKeymesh(pools, { meterProvider: this.#meters.provider, traces: false });
  }

  /** `route` is one of a closed set (provider names, health, metrics, refused). */
  answered(route: string, status: number): void {
    this.#answers.add(1, { 'keymesh.proxy.route': route, 'http.response.status_class': `${Math.floor(status / 100)}xx` });
  }

  render(): Promise<string> {
    return this.#meters.reader.scrape();
  }

  async close(): Promise<void> {
    this.#instrumentation?.dispose();
    await this.#meters.provider.shutdown();
  }
}
