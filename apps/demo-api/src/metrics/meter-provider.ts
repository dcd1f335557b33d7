import { prometheusMeters } from '@keymesh/opentelemetry/prometheus';

/**
 * The application's own MeterProvider, not the global one: each app instance (and each test)
 * gets fresh metrics, and nothing else in the process records into it. `GET /metrics` scrapes
 * its reader on the app's own HTTP server (no exporter server, no export timer).
 */
export class DemoMeters {
  readonly #meters = prometheusMeters();
  readonly reader = this.#meters.reader;
  readonly provider = this.#meters.provider;
}
