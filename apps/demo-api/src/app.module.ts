import { KeymeshModule } from '@keymesh/nestjs';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ChatModule } from './chat/chat.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { ProblemFilter } from './errors/problem.filter.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { keymeshClients } from './upstream/keymesh-clients.js';
import type { Upstream } from './upstream/upstream.js';
import { UpstreamModule } from './upstream/upstream.module.js';

/**
 * The demo, built around an `Upstream` resolved before Nest starts (fake servers must be
 * listening before the SDK clients get their URLs). Tests pass their own fakes.
 */
@Module({})
export class AppModule {
  static forRoot(upstream: Upstream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Before KeymeshModule, so its bridge finds EventEmitter2 and re-emits pool events as `keymesh.<event>`.
        EventEmitterModule.forRoot(),
        UpstreamModule.forRoot(upstream),
        // Also serves GET /health/keys.
        KeymeshModule.forRoot({ clients: keymeshClients(upstream), defaults: upstream.poolDefaults, isGlobal: true }),
        ChatModule,
        MetricsModule,
        DashboardModule,
      ],
      // One error shape (problem+json) for everything: pooled-call failures through KeymeshExceptionFilter
      // (503 + Retry-After, 502, … never the provider's text), Nest's HttpExceptions, and a bare 500 for bugs.
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
