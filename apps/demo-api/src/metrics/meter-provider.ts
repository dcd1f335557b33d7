import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/**
 * A metric reader that collects only when asked: `GET /metrics` collects and serializes in the
 * Prometheus text format, on the app's own HTTP server (no exporter server, no export timer).
 */
export class ScrapeReader extends MetricReader {
  // No `target_info` (the demo sets no resource) and no `otel_scope_*` labels: the series read as
  // `keymesh_rotations_total{keymesh_pool_name="openai",…}`.
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
 * The application's own MeterProvider, not the global one: each app instance (and each test)
 * gets fresh metrics, and nothing else in the process records into it.
 */
export class DemoMeters {
  readonly reader = new ScrapeReader();
  readonly provider = new MeterProvider({ readers: [this.reader] });
}
