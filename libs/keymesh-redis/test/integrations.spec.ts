import 'reflect-metadata';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { keymesh } from '@keymesh/express';
import { InjectKeymesh, KeymeshModule, KeymeshService } from '@keymesh/nestjs';
import { startFakeProvider, type FakeProvider } from '@keymesh/testing';
import express from 'express';
import OpenAI from 'openai';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { connectedClient, deletePrefix, hasRedis, redisUrl, uniquePrefix, until } from './support/redis.js';

const LIMITED = 'sk-test-redis-limited-aaaaaaaaaaaa';
const GOOD = 'sk-test-redis-good-bbbbbbbbbbbbbbb';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** One fake OpenAI for the whole "fleet": its first key always answers 429, its second always works. */
async function fleetSetup(): Promise<{ fake: FakeProvider; prefix: string; newStore: () => RedisStore }> {
  const fake = await startFakeProvider({ provider: 'openai', keys: { [LIMITED]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [GOOD]: { kind: 'ok' } } });
  cleanup.push(() => fake.close());
  const prefix = uniquePrefix('integration');
  cleanup.push(async () => {
    const admin = await connectedClient();
    await deletePrefix(admin, prefix);
    await admin.close();
  });
  const newStore = () => {
    const store = new RedisStore({ url: redisUrl, prefix, logger: false });
    // Registered first, so it runs last: after the apps and their pools are closed.
    cleanup.unshift(() => store.close());
    return store;
  };
  return { fake, prefix, newStore };
}

const clientsFor = (fake: FakeProvider) => ({
  openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [LIMITED, GOOD], strategy: 'priority' as const },
});

@Controller()
class ChatController {
  constructor(@InjectKeymesh('openai') private readonly openai: OpenAI) {}

  @Get('chat')
  async chat() {
    const completion = await this.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    return { text: completion.choices[0]!.message.content };
  }
}

describe.skipIf(!hasRedis)('wiring through the framework integrations', () => {
  it('NestJS: KeymeshModule.forRoot({ clients, defaults: { store } }) shares a 429 between two applications', async () => {
    const { fake, newStore } = await fleetSetup();
    const boot = async (): Promise<INestApplication> => {
      const moduleRef = await Test.createTestingModule({
        imports: [KeymeshModule.forRoot({ clients: clientsFor(fake), defaults: { store: newStore() }, health: false })],
        controllers: [ChatController],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: ['error'] });
      await app.init();
      cleanup.push(() => app.close());
      return app;
    };
    const [one, two] = [await boot(), await boot()];

    await request(one.getHttpServer()).get('/chat').expect(200);
    expect(fake.countFor(LIMITED)).toBe(1);
    await until(() => !two.get(KeymeshService).pool('openai').snapshot().keys[0]!.available, 50, 'sidelined in the second app within 50 ms');
    // The second application never tries the key the first one found rate-limited.
    await request(two.getHttpServer()).get('/chat').expect(200);
    await request(two.getHttpServer()).get('/chat').expect(200);
    expect(fake.countFor(LIMITED)).toBe(1);
    expect(fake.countFor(GOOD)).toBe(3);
  });

  it('Express: keymesh({ clients, store }) shares a 429 between two applications', async () => {
    const { fake, newStore } = await fleetSetup();
    const app = () => {
      const mesh = keymesh({ clients: clientsFor(fake), store: newStore() });
      cleanup.push(() => mesh.close());
      const server = express();
      server.use(mesh);
      server.get('/chat', async (req, res) => {
        const openai = (req.llm as unknown as { openai: OpenAI }).openai;
        const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
        res.json({ text: completion.choices[0]!.message.content });
      });
      return { server, mesh };
    };
    const [one, two] = [app(), app()];

    await request(one.server).get('/chat').expect(200);
    await until(() => !two.mesh.pools.openai.snapshot().keys[0]!.available, 50, 'sidelined in the second app within 50 ms');
    await request(two.server).get('/chat').expect(200);
    expect(fake.countFor(LIMITED)).toBe(1);
    expect(fake.countFor(GOOD)).toBe(2);
  });
});

