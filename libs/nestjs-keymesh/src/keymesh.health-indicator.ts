import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { KeymeshService } from './keymesh.service.js';

/**
 * A health indicator for @nestjs/terminus: up while every pool can serve, with every key's state
 * (no secrets). Terminus is an optional peer, loaded only when the indicator is used.
 *
 * `health.check([() => this.keymesh.isHealthy('llm-keys')])`
 */
@Injectable()
export class KeymeshHealthIndicator {
  constructor(
    @Inject(KeymeshService) private readonly keymesh: KeymeshService,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  async isHealthy<const Key extends string = 'keymesh'>(key: Key = 'keymesh' as Key): Promise<HealthIndicatorResult<Key>> {
    const { HealthIndicatorService } = await import('@nestjs/terminus');
    let indicators: InstanceType<typeof HealthIndicatorService>;
    try {
      indicators = this.moduleRef.get(HealthIndicatorService, { strict: false });
    } catch {
      indicators = new HealthIndicatorService();
    }
    const session = indicators.check(key);
    const { status, pools, warnings } = this.keymesh.health();
    const details: { pools: typeof pools; warnings?: string[] } = warnings === undefined ? { pools } : { pools, warnings };
    return (status === 'up' ? session.up(details) : session.down(details)) as HealthIndicatorResult<Key>;
  }
}
