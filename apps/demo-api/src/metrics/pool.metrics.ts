import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { KeymeshService } from '@keymesh/nestjs';
import { instrumentKeymesh, type KeymeshInstrumentation } from '@keymesh/opentelemetry';
import { DemoMeters } from './meter-provider.js';

/**
 * Every pool's metrics, from @keymesh/opentelemetry: the GenAI client conventions
 * (`gen_ai.client.operation.duration`, `gen_ai.client.token.usage`) and `keymesh.*` counters and
 * key-state gauges. The demo exports no traces, so spans are off.
 */
@Injectable()
export class PoolMetrics implements OnModuleInit, OnModuleDestroy {
  #instrumentation: KeymeshInstrumentation | undefined;

  constructor(
    private readonly meters: DemoMeters,
    private readonly keymesh: KeymeshService,
  ) {}

  onModuleInit(): void {
    this.#instrumentation = instrumentKeymesh(this.keymesh, { meterProvider: this.meters.provider, traces: false });
  }

  async onModuleDestroy(): Promise<void> {
    this.#instrumentation?.dispose();
    await this.meters.provider.shutdown();
  }
}
