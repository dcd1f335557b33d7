import type { SharedPoolOptions } from '@keymesh/core';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import { AppModule } from '../../src/app.module.js';
import type { FakeScript } from '../../src/upstream/fake-script.js';
import { startFakeUpstream } from '../../src/upstream/fake-upstream.js';
import type { Upstream } from '../../src/upstream/upstream.js';
import { CapturingLogger } from './capturing-logger.js';

export const TEST_TEXT = 'Hello from the test fake.';

/**
 * Pools for tests: `priority` tries keys in script order, so which key a request meets first
 * is decided by the script, not by a tie; a breaker cooldown of 1 s lets recovery show quickly.
 */
export const TEST_POOL: SharedPoolOptions = { strategy: 'priority', breaker: { failureThreshold: 3, cooldownMs: 1_000 } };

export interface TestDemo {
  app: INestApplication;
  server: Server;
  /** http://127.0.0.1:<port> */
  origin: string;
  upstream: Upstream;
  logs: CapturingLogger;
  /** Every secret of the script: none may appear in any output. */
  secrets: string[];
  close(): Promise<void>;
}

export const secretsOf = (script: FakeScript) => Object.values(script).flatMap((keys) => keys!.map((key) => key.secret));

/** The demo's AppModule via @nestjs/testing, against fakes scripted by the test, listening on a free port. */
export async function bootTestDemo(script: FakeScript, poolDefaults: SharedPoolOptions = TEST_POOL): Promise<TestDemo> {
  const upstream = await startFakeUpstream(script, { poolDefaults, text: TEST_TEXT });
  const logs = new CapturingLogger();
  let app: INestApplication | undefined;
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(upstream)] }).compile();
    app = moduleRef.createNestApplication({ logger: logs, forceCloseConnections: true });
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close();
    await upstream.close();
    throw error;
  }
  const server = app.getHttpServer() as Server;
  const { port } = server.address() as { port: number };
  const running = app;
  return {
    app: running,
    server,
    origin: `http://127.0.0.1:${port}`,
    upstream,
    logs,
    secrets: secretsOf(script),
    close: async () => {
      await running.close();
      await upstream.close();
    },
  };
}
