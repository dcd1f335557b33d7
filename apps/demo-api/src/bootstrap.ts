import 'reflect-metadata';
import { Logger, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { DemoLogger } from './demo.logger.js';
import { isLoopbackAddress, loopbackHostOnly } from './server/loopback-host.js';
import { tightenServerTimeouts } from './server/server-timeouts.js';
import { describeUpstream } from './upstream/describe-upstream.js';
import { envSource, type EnvSource } from './upstream/real-upstream.js';
import { resolveUpstream } from './upstream/resolve-upstream.js';
import type { Upstream } from './upstream/upstream.js';

export interface DemoOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the demo is a local tool, and with real keys it is an open proxy to them. */
  host?: string;
  /** Where `*_API_KEYS` and friends are read; default process.env. */
  env?: EnvSource;
  /** An upstream to use instead of resolving one from `env` (tests bring their own fakes). */
  upstream?: Upstream;
  /** Default: Nest's console logger without its startup chatter (VERBOSE=1 keeps it). */
  logger?: LoggerService | false;
}

export interface RunningDemo {
  app: INestApplication;
  /** e.g. http://localhost:3000 */
  url: string;
  upstream: Upstream;
  /** Closes the app (pools, open event streams) and then the fakes. */
  close(): Promise<void>;
}

/** Resolves the upstream (fakes or real providers), starts the app and logs what it runs against. */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const upstream = options.upstream ?? (await resolveUpstream(options.env ?? envSource(process.env)));
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(AppModule.forRoot(upstream), {
      logger: options.logger ?? (process.env.VERBOSE ? undefined : new DemoLogger()),
      // Keep-alive connections (a load generator's, an open dashboard's) must not hold up shutdown.
      forceCloseConnections: true,
    });
    const host = options.host ?? '127.0.0.1';
    // Listening locally means answering only local names: a rebinding page's Host names its own domain.
    if (isLoopbackAddress(host)) app.use(loopbackHostOnly());
    tightenServerTimeouts(app.getHttpServer());
    await app.listen(options.port ?? 3000, host);
    const { port } = app.getHttpServer().address() as { port: number };
    const url = `http://${host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`;
    const logger = new Logger('Demo');
    logger.log(`Keymesh demo on ${url}: dashboard ${url}/, POST ${url}/chat, ${url}/health/keys, ${url}/metrics, ${url}/events`);
    for (const line of describeUpstream(upstream)) logger.log(line);
    if (upstream.mode === 'fake') logger.log(`Send traffic: the dashboard's buttons, or npm run demo:load`);
    const running = app;
    return {
      app: running,
      url,
      upstream,
      close: async () => {
        await running.close();
        await upstream.close();
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await upstream.close();
    throw error;
  }
}
