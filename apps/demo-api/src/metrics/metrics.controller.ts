import { Controller, Get, Header } from '@nestjs/common';
import { DemoMeters } from './meter-provider.js';

/** `GET /metrics` in the Prometheus text format, collected at each scrape. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly meters: DemoMeters) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  scrape(): Promise<string> {
    return this.meters.reader.scrape();
  }
}
