import 'reflect-metadata';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { generateText } from 'ai';
import request from 'supertest';
import { DEFAULT_TEXT } from '@keymesh/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { InjectKeymesh, KeymeshModule, KeymeshService } from './index.js';
import { ANTHROPIC_A, Fakes, OPENAI_A, OPENAI_B } from './__tests__/fixtures.js';

const fakes = new Fakes();
let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await fakes.close();
});

describe('KeymeshModule with keymeshFetch clients', () => {
  it('injects a keymeshFetch by name for the AI SDK; it rotates away from a rate-limited key', async () => {
    const openaiFake = await fakes.start({ provider: 'openai', keys: { [OPENAI_A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [OPENAI_B]: { kind: 'ok' } } });
    const anthropicFake = await fakes.start({ provider: 'anthropic', keys: { [ANTHROPIC_A]: { kind: 'ok' } } });

    @Controller()
    class ChatController {
      constructor(
        @InjectKeymesh('openai-fetch') private readonly openaiFetch: typeof fetch,
        @InjectKeymesh('anthropic-fetch') private readonly anthropicFetch: typeof fetch,
      ) {}

      @Get('openai')
      async openai() {
        const openai = createOpenAI({ apiKey: 'unused', baseURL: openaiFake.url, fetch: this.openaiFetch });
        return { text: (await generateText({ model: openai('gpt-4o-mini'), prompt: 'Hi', maxRetries: 0 })).text };
      }

      @Get('anthropic')
      async anthropic() {
        const anthropic = createAnthropic({ apiKey: 'unused', baseURL: `${anthropicFake.url}/v1`, fetch: this.anthropicFetch });
        return { text: (await generateText({ model: anthropic('claude-haiku-4-5'), prompt: 'Hi', maxRetries: 0 })).text };
      }
    }

    const moduleRef = await Test.createTestingModule({
      imports: [
        KeymeshModule.forRoot({
          clients: {
            'openai-fetch': { fetch: { provider: 'openai', baseURL: openaiFake.url }, keys: [OPENAI_A, OPENAI_B], strategy: 'priority' },
            'anthropic-fetch': { fetch: { provider: 'anthropic', baseURL: anthropicFake.url }, keys: [ANTHROPIC_A] },
          },
        }),
      ],
      controllers: [ChatController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
    const server = app.getHttpServer();

    expect((await request(server).get('/openai').expect(200)).body).toEqual({ text: DEFAULT_TEXT });
    expect((await request(server).get('/anthropic').expect(200)).body).toEqual({ text: DEFAULT_TEXT });
    expect(openaiFake.requests.map((r) => r.key)).toEqual([OPENAI_A, OPENAI_B]);
    expect(anthropicFake.requests[0]).toMatchObject({ key: ANTHROPIC_A, keyCount: 1 });

    const keymesh = app.get(KeymeshService);
    expect(keymesh.names).toEqual(['openai-fetch', 'anthropic-fetch']);
    expect(keymesh.pool('openai-fetch').snapshot().keys[0]).toMatchObject({ lastErrorKind: 'rate_limited' });
    const health = await request(server).get('/health/keys');
    expect(health.body).toMatchObject({ pools: { 'openai-fetch': { healthy: true }, 'anthropic-fetch': { healthy: true } } });
  });
});
