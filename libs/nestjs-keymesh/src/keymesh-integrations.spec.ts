import 'reflect-metadata';
import { Controller, Get, HttpException, Logger, type INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import OpenAI from 'openai';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InjectKeymesh, KeymeshExceptionFilter, KeymeshHealthIndicator, KeymeshModule, KeymeshService } from './index.js';
import { Fakes, OPENAI_A, OPENAI_B } from './__tests__/fixtures.js';

const fakes = new Fakes();
let app: INestApplication | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
  app = undefined;
  await fakes.close();
});

@Controller()
class CompletionController {
  constructor(@InjectKeymesh('openai') private readonly openai: OpenAI) {}
  @Get('complete')
  async complete() {
    const completion = await this.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    return { text: completion.choices[0]!.message.content };
  }
}

async function boot(imports: unknown[], extra: { controllers?: unknown[]; providers?: unknown[] } = {}): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    controllers: [CompletionController, ...((extra.controllers ?? []) as never[])],
    providers: (extra.providers ?? []) as never[],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** One key that rate-limits after `limit` requests for `windowMs`, the other disabled by hand when needed. */
async function limitedOpenAI(limit: number, windowMs: number, keys = [OPENAI_A]) {
  const fake = await fakes.start({ provider: 'openai', keys: Object.fromEntries(keys.map((k) => [k, { kind: 'rate_limit', limit, windowMs }])) });
  return { fake, clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys } } };
}

describe('health endpoint', () => {
  it('answers 200 → 503 → 200 as the only key is rate limited and recovers, with the same body shape and no secret', async () => {
    const { clients } = await limitedOpenAI(1, 600);
    const server = (await boot([KeymeshModule.forRoot({ clients })])).getHttpServer();
    const up = await request(server).get('/health/keys').expect(200).expect('cache-control', 'no-store');
    expect(up.body).toMatchObject({ status: 'up', pools: { openai: { healthy: true, available: 1, keys: [{ state: 'closed', available: true }] } } });
    // The one allowed request reports remaining 0: the key is sidelined until the window resets.
    await request(server).get('/complete').expect(200);
    const down = await request(server).get('/health/keys').expect(503).expect('cache-control', 'no-store');
    expect(down.body).toMatchObject({ status: 'down', pools: { openai: { healthy: false, available: 0, keys: [{ available: false }] } } });
    expect(JSON.stringify(down.body)).not.toContain(OPENAI_A);
    const { availableAt } = down.body.pools.openai.keys[0];
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, availableAt - Date.now()) + 20));
    await request(server).get('/health/keys').expect(200);
  });

  it('serves on a configured path, and not at all when turned off', async () => {
    const { clients } = await limitedOpenAI(10, 1_000);
    let server = (await boot([KeymeshModule.forRoot({ clients, health: { path: '/ops/llm' } })])).getHttpServer();
    await request(server).get('/ops/llm').expect(200);
    await request(server).get('/health/keys').expect(404);
    await app!.close();
    server = (await boot([KeymeshModule.forRootAsync({ useFactory: () => ({ clients }), health: false })])).getHttpServer();
    await request(server).get('/health/keys').expect(404);
  });
});

describe('terminus indicator', () => {
  @Controller('status')
  class StatusController {
    constructor(
      private readonly health: HealthCheckService,
      private readonly keymesh: KeymeshHealthIndicator,
    ) {}
    @Get()
    @HealthCheck()
    check() {
      return this.health.check([() => this.keymesh.isHealthy('llm')]);
    }
  }

  it('reports every pool up, then down with 503 when a pool cannot serve', async () => {
    const { clients } = await limitedOpenAI(10, 1_000);
    const server = (await boot([TerminusModule, KeymeshModule.forRoot({ clients, health: false })], { controllers: [StatusController] })).getHttpServer();
    const up = await request(server).get('/status').expect(200);
    expect(up.body).toMatchObject({ status: 'ok', info: { llm: { status: 'up', pools: { openai: { healthy: true } } } } });
    const keymesh = app!.get(KeymeshService);
    keymesh.disableKey('openai', keymesh.snapshot().openai!.keys[0]!.id);
    const down = await request(server).get('/status').expect(503);
    expect(down.body).toMatchObject({ status: 'error', error: { llm: { status: 'down', pools: { openai: { healthy: false } } } } });
    expect(JSON.stringify(down.body)).not.toContain(OPENAI_A);
  });
});

describe('limits and shared quotas in the health output', () => {
  it('lists limits per model on /health/keys and in the terminus indicator, with a warning for keys found to share one quota', async () => {
    const fake = await fakes.start({
      provider: 'openai',
      quota: { organizations: { 'org-one': { keys: [OPENAI_A, OPENAI_B] } }, limits: { 'gpt-4o-mini': { requestsPerMinute: 1_000, tokensPerMinute: 1_000_000 } } },
    });
    const clients = { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [OPENAI_A, OPENAI_B], strategy: 'round-robin' as const } };
    @Controller('status')
    class Status {
      constructor(private readonly health: HealthCheckService, private readonly keymesh: KeymeshHealthIndicator) {}
      @Get()
      @HealthCheck()
      check() {
        return this.health.check([() => this.keymesh.isHealthy('llm')]);
      }
    }
    const server = (await boot([TerminusModule, KeymeshModule.forRoot({ clients })], { controllers: [Status] })).getHttpServer();
    const keymesh = app!.get(KeymeshService);
    for (let i = 0; i < 12 && keymesh.snapshot().openai!.sharedQuotas.length === 0; i++) await request(server).get('/complete').expect(200);
    const health = await request(server).get('/health/keys').expect(200);
    expect(health.body.pools.openai.keys[0].limits).toEqual([expect.objectContaining({ scope: 'gpt-4o-mini', limit: expect.objectContaining({ requests: 1_000 }) })]);
    expect(health.body.warnings).toEqual([expect.stringContaining('share one provider quota for gpt-4o-mini')]);
    const status = await request(server).get('/status').expect(200);
    expect(status.body.info.llm.warnings).toEqual(health.body.warnings);
    expect(JSON.stringify(health.body) + JSON.stringify(status.body)).not.toContain('sk-test');
  });
});

describe('events', () => {
  it('re-emits pool events on EventEmitter2 as keymesh.<event> for @OnEvent handlers', async () => {
    const { fake, clients } = await limitedOpenAI(0, 60_000, [OPENAI_A]);
    fake.setKey(OPENAI_B, { kind: 'ok' });
    clients.openai.keys = [OPENAI_A, OPENAI_B];
    const seen: Array<{ name: string; keyId: string }> = [];
    class Listener {
      @OnEvent('keymesh.key.rotated')
      rotated(event: { keyId: string }) {
        seen.push({ name: 'rotated', keyId: event.keyId });
      }
      @OnEvent('keymesh.key.rate_limited')
      limited(event: { keyId: string }) {
        seen.push({ name: 'rate_limited', keyId: event.keyId });
      }
    }
    const server = (
      await boot([EventEmitterModule.forRoot(), KeymeshModule.forRoot({ clients: { openai: { ...clients.openai, strategy: 'priority' } } })], { providers: [Listener] })
    ).getHttpServer();
    await request(server).get('/complete').expect(200);
    const [a, b] = app!.get(KeymeshService).snapshot().openai!.keys;
    expect(seen).toEqual([
      { name: 'rate_limited', keyId: a!.id },
      { name: 'rotated', keyId: b!.id },
    ]);
  });

  it('keeps @OnEvent working when a name is injected but not configured (a provider left out of real mode)', async () => {
    const { clients } = await limitedOpenAI(10, 1_000);
    const seen: string[] = [];
    class UsesMissing {
      constructor(@InjectKeymesh('not-configured') readonly absent: object) {}
      @OnEvent('keymesh.request.succeeded')
      succeeded(event: { keyId: string }) {
        seen.push(event.keyId);
      }
    }
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const server = (await boot([EventEmitterModule.forRoot(), KeymeshModule.forRoot({ clients })], { providers: [UsesMissing] })).getHttpServer();
      await request(server).get('/complete').expect(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(() => (app!.get(UsesMissing).absent as { chat: unknown }).chat).toThrow(/no client of that name is configured/);
  });

  it('logs notable transitions through Nest Logger without secrets', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const fake = await fakes.start({ provider: 'openai', keys: { [OPENAI_A]: { kind: 'status', status: 401 }, [OPENAI_B]: { kind: 'ok' } } });
    const clients = { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [OPENAI_A, OPENAI_B], strategy: 'priority' as const } };
    const server = (await boot([KeymeshModule.forRoot({ clients })])).getHttpServer();
    await request(server).get('/complete').expect(200);
    const lines = warn.mock.calls.map((call) => String(call[0]));
    expect(lines.some((line) => /openai: key key_\S+ disabled \(key_rejected\)/.test(line))).toBe(true);
    expect(lines.join('\n')).not.toContain(OPENAI_A);
  });
});

describe('exception filter', () => {
  it('turns PoolExhaustedError into 503 with Retry-After and a problem body', async () => {
    const { clients } = await limitedOpenAI(0, 120_000);
    const server = (
      await boot([KeymeshModule.forRoot({ clients: { openai: { ...clients.openai, retry: { budgetMs: 1_000 } } } })], {
        providers: [{ provide: APP_FILTER, useClass: KeymeshExceptionFilter }],
      })
    ).getHttpServer();
    const response = await request(server).get('/complete').expect(503);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(100);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(response.text)).toMatchObject({ status: 503, pool: 'openai', title: expect.any(String) });
  });

  it('answers every key rejected (401) with 502, a refused request (400 echoing the key) with 400, neither with the provider text', async () => {
    const echo = `Incorrect API key provided: ${OPENAI_A}.`;
    // Two keys and two attempts: the first 401 moves the request to the second, whose 401 is rethrown as attempts run out
    // (with attempts left, the pool would find no key and answer PoolExhaustedError: 503).
    const fake = await fakes.start({ provider: 'openai', keys: { [OPENAI_A]: { kind: 'invalid_key' }, [OPENAI_B]: { kind: 'invalid_key' } } });
    const client = new OpenAI({ apiKey: 'unused', baseURL: fake.url });
    const server = (
      await boot([KeymeshModule.forRoot({ clients: { openai: { client, keys: [OPENAI_A, OPENAI_B], retry: { maxAttempts: 2 } } } })], { providers: [{ provide: APP_FILTER, useClass: KeymeshExceptionFilter }] })
    ).getHttpServer();
    const rejected = await request(server).get('/complete').expect(502).expect('content-type', /application\/problem\+json/);
    expect(JSON.parse(rejected.text)).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-credentials', status: 502 });
    const keymesh = app!.get(KeymeshService);
    for (const key of [OPENAI_A, OPENAI_B]) fake.setKey(key, { kind: 'status', status: 400, body: { error: { message: echo, type: 'invalid_request_error' } } });
    for (const { id } of keymesh.snapshot().openai!.keys) keymesh.enableKey('openai', id);
    const refused = await request(server).get('/complete').expect(400);
    expect(JSON.parse(refused.text)).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-refused', status: 400, upstreamStatus: 400, requestId: expect.stringMatching(/^req_/) });
    expect(rejected.text + refused.text).not.toContain('sk-test');
    expect(refused.text).not.toContain('Incorrect API key');
  });

  it("leaves the app's own errors to Nest: an HttpException keeps its answer, an unknown error is Nest's plain 500", async () => {
    @Controller()
    class OwnErrors {
      @Get('teapot')
      teapot() {
        throw new HttpException({ statusCode: 418, message: 'short and stout' }, 418);
      }
      @Get('bug')
      bug() {
        throw Object.assign(new Error('a bug with a status'), { status: 429 });
      }
    }
    const { clients } = await limitedOpenAI(10, 1_000);
    const server = (await boot([KeymeshModule.forRoot({ clients })], { controllers: [OwnErrors], providers: [{ provide: APP_FILTER, useClass: KeymeshExceptionFilter }] })).getHttpServer();
    await request(server).get('/teapot').expect(418, { statusCode: 418, message: 'short and stout' });
    await request(server).get('/bug').expect(500, { statusCode: 500, message: 'Internal server error' });
  });

  it('works when registered without DI through useGlobalFilters', async () => {
    const { clients } = await limitedOpenAI(0, 120_000);
    const moduleRef = await Test.createTestingModule({
      imports: [KeymeshModule.forRoot({ clients: { openai: { ...clients.openai, retry: { budgetMs: 1_000 } } } })],
      controllers: [CompletionController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new KeymeshExceptionFilter());
    await app.init();
    const response = await request(app.getHttpServer()).get('/complete').expect(503);
    expect(response.headers['retry-after']).toBeDefined();
  });
});
