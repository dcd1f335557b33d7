import { Registry } from 'prom-client';

/**
 * The application's own prom-client Registry, not the library's global one: each app instance
 * (and each test) gets fresh metrics, and nothing else in the process can register into it.
 */
export const METRICS_REGISTRY = Symbol.for('keymesh-demo:metrics-registry');

export const metricsRegistryProvider = { provide: METRICS_REGISTRY, useFactory: () => new Registry() };
