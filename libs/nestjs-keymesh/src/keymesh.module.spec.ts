import 'reflect-metadata';
import Anthropic from '@anthropic-ai/sdk';
import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import OpenAI from 'openai';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { InjectKeymesh, KeymeshModule, KeymeshService, keysFromConfig, type KeymeshModuleOptions } from './index.js';
import { ANTHROPIC_A, Fakes, OPENAI_A, OPENAI_B } from './__tests__/fixtures.js';

const fakes = new Fakes();
let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await fakes.close();
});

@Controller()
class ChatController {
  constructor(
    @InjectKeymesh('openai') private readonly openai: OpenAI,
    @InjectKeymesh('anthropic') private readonly anthropic: Anthropic,
  ) {}

  @Get('openai')
  async fromOpenAI() {
    const completion = await this.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    return { text: completion.choices[0]!.message.content, isOpenAI: this.openai instanceof OpenAI };
  }

  @Get('anthropic')
  async fromAnthropic() {
    const message = await this.anthropic.messages.create({ model: 'claude', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    return { text: message.content[0]!.type === 'text' ? message.content[0]!.text : '' };
  }
}

async function boot(moduleImports: unknown[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: moduleImports as never[], controllers: [ChatController] }).compile();
  app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  return app;
}

async function twoProviders() {
  const openai = await fakes.start({ provider: 'openai', keys: { [OPENAI_A]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [OPENAI_B]: { kind: 'ok' } } });
  const anthropic = await fakes.start({ provider: 'anthropic', keys: { [ANTHROPIC_A]: { kind: 'ok' } } });
  const clients: KeymeshModuleOptions['clients'] = {
    openai: { client: new OpenAI({ apiKey: 'unused', baseURL: openai.url }), keys: [OPENAI_A, OPENAI_B], strategy: 'priority' },
    anthropic: { client: new Anthropic({ apiKey: 'unused', baseURL: anthropic.url }), keys: [ANTHROPIC_A] },
  };
  return { openai, anthropic, clients };
}

describe('KeymeshModule.forRoot', () => {
  it('injects two different SDK clients by name, each routed through its own pool', async () => {
    const { openai, clients } = await twoProviders();
    const server = (await boot([KeymeshModule.forRoot({ clients })])).getHttpServer();
    const fromOpenAI = await request(server).get('/openai').expect(200);
    expect(fromOpenAI.body).toEqual({ text: 'Hello from the fake provider!', isOpenAI: true });
    expect([openai.countFor(OPENAI_A), openai.countFor(OPENAI_B)]).toEqual([1, 1]);
    await request(server).get('/anthropic').expect(200, { text: 'Hello from the fake provider!' });
    const keymesh = app!.get(KeymeshService);
    expect(keymesh.names).toEqual(['openai', 'anthropic']);
    expect(keymesh.snapshot().openai!.keys.map((k) => k.available)).toEqual([false, true]);
  });

  it('closes every pool when the application shuts down', async () => {
    const { clients } = await twoProviders();
    await boot([KeymeshModule.forRoot({ clients })]);
    const pool = app!.get(KeymeshService).pool('openai');
    await app!.close();
    app = undefined;
    await expect(pool.execute(() => 1)).rejects.toMatchObject({ code: 'ERR_KEYMESH_POOL_CLOSED' });
  });

  it('refuses bad options at bootstrap with a ConfigError naming the client', async () => {
    const bad = Test.createTestingModule({
      imports: [KeymeshModule.forRoot({ clients: { openai: { client: new OpenAI({ apiKey: 'unused' }), keys: [] } } })],
    }).compile();
    await expect(bad).rejects.toMatchObject({ code: 'ERR_KEYMESH_NO_KEYS', option: 'clients.openai.keys' });
  });
});

describe('KeymeshModule.forRootAsync', () => {
  it('builds clients from ConfigService, names known only to the factory', async () => {
    const { openai: fake, anthropic } = await twoProviders();
    const env = { OPENAI_API_KEYS: ` ${OPENAI_A}, ${OPENAI_B} `, OPENAI_BASE_URL: fake.url, ANTHROPIC_API_KEYS: ANTHROPIC_A, ANTHROPIC_BASE_URL: anthropic.url };
    const server = (
      await boot([
        KeymeshModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, ignoreEnvVars: true, load: [() => env] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            clients: {
              openai: { client: new OpenAI({ apiKey: 'unused', baseURL: config.get('OPENAI_BASE_URL') }), keys: keysFromConfig(config, 'OPENAI_API_KEYS') },
              anthropic: { client: new Anthropic({ apiKey: 'unused', baseURL: config.get('ANTHROPIC_BASE_URL') }), keys: keysFromConfig(config, 'ANTHROPIC_API_KEYS') },
            },
            defaults: { strategy: 'priority' },
          }),
        }),
      ])
    ).getHttpServer();
    await request(server).get('/openai').expect(200);
    await request(server).get('/anthropic').expect(200);
    expect(fake.countFor(OPENAI_A)).toBe(1);
  });

  it('accepts useClass with an options factory', async () => {
    const { clients } = await twoProviders();
    @Injectable()
    class KeymeshConfig {
      create(): KeymeshModuleOptions {
        return { clients };
      }
    }
    const server = (await boot([KeymeshModule.forRootAsync({ useClass: KeymeshConfig })])).getHttpServer();
    await request(server).get('/anthropic').expect(200);
  });

  it('accepts useExisting with an options factory exported by another module', async () => {
    const { clients } = await twoProviders();
    @Injectable()
    class SharedConfig {
      create(): KeymeshModuleOptions {
        return { clients };
      }
    }
    @Module({ providers: [SharedConfig], exports: [SharedConfig] })
    class SharedConfigModule {}
    const server = (await boot([KeymeshModule.forRootAsync({ imports: [SharedConfigModule], useExisting: SharedConfig })])).getHttpServer();
    await request(server).get('/openai').expect(200);
  });

  it('makes the clients available everywhere with isGlobal', async () => {
    const { clients } = await twoProviders();
    @Module({ controllers: [ChatController] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({ imports: [KeymeshModule.forRootAsync({ useFactory: () => ({ clients }), isGlobal: true }), FeatureModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await request(app.getHttpServer()).get('/openai').expect(200);
  });

  it('gives a clear error on first use of a name that is injected but not configured', async () => {
    const { clients } = await twoProviders();
    @Injectable()
    class UsesMissing {
      constructor(@InjectKeymesh('mistral') readonly mistral: { chat: unknown }) {}
    }
    const moduleRef = await Test.createTestingModule({ imports: [KeymeshModule.forRoot({ clients })], providers: [UsesMissing] }).compile();
    expect(() => moduleRef.get(UsesMissing).mistral.chat).toThrow(/no client of that name is configured \(configured: openai, anthropic\)/);
    await moduleRef.close();
  });
});
