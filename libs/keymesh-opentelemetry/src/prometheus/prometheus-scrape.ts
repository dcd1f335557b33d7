import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/**
 * A metric reader that collects only when asked, for serving `GET /metrics` on an HTTP server
 * you already run (no exporter server of its own, no export timer): `scrape()` collects and
 * serializes in the Prometheus text format. No `target_info` and no `otel_scope_*` labels, so the
 * series read `keymesh_rotations_total{keymesh_pool_name="openai",…}`.
 */
export class PrometheusScrapeReader extends MetricReader {
  readonly #serializer = new PrometheusSerializer(undefined, false, undefined, true, true);

  async scrape(): Promise<string> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw errors[0];
    return this.#serializer.serialize(resourceMetrics);
  }

  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * A MeterProvider of its own (not the global one) with a scrape reader: each app, proxy or test
 * gets fresh metrics, and nothing else in the process records into it.
 */
export function prometheusMeters(): { provider: MeterProvider; reader: PrometheusScrapeReader } {
  const reader = new PrometheusScrapeReader();
  return { provider: new MeterProvider({ readers: [reader] }), reader };
}
