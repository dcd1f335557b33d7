import { Module } from '@nestjs/common';
import { ChatMetrics } from './chat.metrics.js';
import { MetricsController } from './metrics.controller.js';
import { metricsRegistryProvider } from './metrics.registry.js';
import { PoolEventMetrics } from './pool-event.metrics.js';
import { PoolSnapshotMetrics } from './pool-snapshot.metrics.js';

/** Prometheus metrics: counters from pool events, gauges from snapshots, the demo's own chat counts. */
@Module({
  controllers: [MetricsController],
  providers: [metricsRegistryProvider, PoolEventMetrics, PoolSnapshotMetrics, ChatMetrics],
})
export class MetricsModule {}
