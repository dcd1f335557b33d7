import { Controller, Get, Header, Inject, ServiceUnavailableException, type Type } from '@nestjs/common';
import type { HealthReport } from '@keymesh/core';
import { KeymeshService } from './keymesh.service.js';

/**
 * The built-in health endpoint, for applications that do not use terminus: 200 while every pool
 * can serve, else 503, with the same body either way. The path is configurable, so the
 * controller is made for it.
 */
export function createHealthController(path: string): Type<unknown> {
  @Controller()
  class KeymeshHealthController {
    constructor(@Inject(KeymeshService) private readonly keymesh: KeymeshService) {}

    @Get(path)
    // Set before the handler runs, so the 503 carries it too: a cached "up" would hide a pool that just ran dry.
    @Header('cache-control', 'no-store')
    check(): HealthReport {
      const report = this.keymesh.health();
      if (report.status === 'down') throw new ServiceUnavailableException(report);
      return report;
    }
  }
  return KeymeshHealthController;
}
