import { Module } from '@nestjs/common';
import { ChatMetrics } from './chat.metrics.js';
import { DemoMeters } from './meter-provider.js';
import { MetricsController } from './metrics.controller.js';
import { PoolMetrics } from './pool.metrics.js';

/** Prometheus metrics through OpenTelemetry: every pool's from @keymesh/opentelemetry, and the demo's own chat counts. */
@Module({
  controllers: [MetricsController],
  providers: [DemoMeters, PoolMetrics, ChatMetrics],
})
export class MetricsModule {}
