import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { UPSTREAM, type Upstream } from './upstream.js';

/** Stops the fake servers with the application, after the pools (closed by KeymeshService) stop using them. */
class UpstreamLifecycle implements OnApplicationShutdown {
  constructor(@Inject(UPSTREAM) private readonly upstream: Upstream) {}

  async onApplicationShutdown(): Promise<void> {
    await this.upstream.close();
  }
}

/** Makes the resolved `Upstream` (fake or real providers) injectable everywhere as `UPSTREAM`. */
@Global()
@Module({})
export class UpstreamModule {
  static forRoot(upstream: Upstream): DynamicModule {
    return {
      module: UpstreamModule,
      providers: [{ provide: UPSTREAM, useValue: upstream }, UpstreamLifecycle],
      exports: [UPSTREAM],
    };
  }
}
