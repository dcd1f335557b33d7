/**
 * The real OpenTelemetry SDK, in memory: a pull-only metric reader (no export timer) and an
 * in-memory span exporter behind a SimpleSpanProcessor.
 */
import type { Attributes } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One data point: its attributes and its value (a number, or a histogram's count/sum/buckets). */
export interface Point {
  attributes: Attributes;
  value: number;
  count?: number;
  sum?: number;
}

export interface Metric {
  name: string;
  unit: string;
  type: 'histogram' | 'sum' | 'gauge';
  points: Point[];
}

export interface Otel {
  meterProvider: MeterProvider;
  tracerProvider: BasicTracerProvider;
  metrics(): Promise<Map<string, Metric>>;
  spans(): Promise<ReadableSpan[]>;
  /** The points of one metric whose attributes include `match`. */
  points(name: string, match?: Attributes): Promise<Point[]>;
  shutdown(): Promise<void>;
}

export function startOtel(): Otel {
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const metrics = async () => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw errors[0];
    const out = new Map<string, Metric>();
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) out.set(metric.descriptor.name, toMetric(metric));
    return out;
  };
  return {
    meterProvider,
    tracerProvider,
    metrics,
    spans: async () => {
      await tracerProvider.forceFlush();
      return exporter.getFinishedSpans();
    },
    points: async (name, match = {}) => {
      const metric = (await metrics()).get(name);
      return (metric?.points ?? []).filter((point) => Object.entries(match).every(([k, v]) => point.attributes[k] === v));
    },
    shutdown: async () => {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

function toMetric(metric: MetricData): Metric {
  const type = metric.dataPointType === DataPointType.HISTOGRAM ? 'histogram' : metric.dataPointType === DataPointType.SUM ? 'sum' : 'gauge';
  const points = metric.dataPoints.map((point): Point => {
    const value = point.value as number | { count: number; sum?: number };
    if (typeof value === 'number') return { attributes: point.attributes, value };
    return { attributes: point.attributes, value: value.count, count: value.count, sum: value.sum ?? 0 };
  });
  return { name: metric.descriptor.name, unit: metric.descriptor.unit, type, points };
}

/** An error as the generic pool classifies it: a status and headers. */
export function httpError(status: number, headers: Record<string, string> = {}, message = `HTTP ${status}`): Error {
  return Object.assign(new Error(message), { status, headers });
}
