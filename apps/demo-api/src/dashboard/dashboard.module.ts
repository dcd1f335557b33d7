import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';
import { PoolEventHub } from './pool-event-hub.service.js';

/** The live key dashboard and its event stream. */
@Module({
  controllers: [DashboardController],
  providers: [PoolEventHub],
})
export class DashboardModule {}
