import 'reflect-metadata';
import { isConfigError } from '@keymesh/core';
import { startFakeProvider, type FakeProvider } from '@keymesh/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { describeUpstream } from '../src/upstream/describe-upstream.js';
import { DEMO_FAKE_QUOTAS, DEMO_FAKE_SCRIPT } from '../src/upstream/fake-script.js';
import { realUpstream } from '../src/upstream/real-upstream.js';
import { resolveUpstream } from '../src/upstream/resolve-upstream.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import { USER_HI } from './helpers/scripts.js';

const env = (vars: Record<string, string>) => ({ get: (name: string) => vars[name] });
const REAL_A = 'sk-test-real-openai-aaaaaaaaaaaaaaaa';
const REAL_B = 'sk-test-real-openai-bbbbbbbbbbbbbbbb';

describe('choosing the upstream from the environment', () => {
  it('no *_API_KEYS: the embedded fakes in quota mode, three providers, a tightly limited organisation and a refused key in each', async () => {
    const upstream = await resolveUpstream(env({}));
    try {
      expect(upstream.mode).toBe('fake');
      expect(upstream.providers.map((p) => p.name)).toEqual(['openai', 'anthropic', 'gemini']);
      for (const provider of upstream.providers) {
        expect(provider.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
        const behaviours = DEMO_FAKE_SCRIPT[provider.name]!.map((key) => key.behaviour);
        const kinds = behaviours.map((b) => (Array.isArray(b) ? 'script' : (b as { kind: string }).kind));
        expect(kinds).toContain('ok');
        // A tight organisation per provider: its limit for the model runs out within a window.
        const tight = DEMO_FAKE_SCRIPT[provider.name]!.find((key) => key.id === 'bursty')!;
        const limits = DEMO_FAKE_QUOTAS[provider.name]!.limits[tight.organization!]!['*']!;
        expect(limits.requestsPerMinute).toBeLessThanOrEqual(6);
        expect(kinds.some((k) => k === 'invalid_key' || k === 'quota')).toBe(true);
        // The flaky key: three 429s in a row (a breaker opens), then answers again (it closes).
        const flaky = behaviours.find(Array.isArray) as Array<{ kind: string; status?: number }>;
        expect(flaky.slice(0, 9).map((b) => b.status ?? b.kind)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 429, 429, 429]);
      }
      // Short windows: recovery shows within seconds.
      for (const quota of Object.values(DEMO_FAKE_QUOTAS)) expect(quota!.windowMs).toBeLessThanOrEqual(10_000);
    } finally {
      await upstream.close();
    }
  });

  it('OPENAI_API_KEYS only: the real OpenAI and nothing else, keys parsed by keysFromConfig', async () => {
    const upstream = await resolveUpstream(env({ OPENAI_API_KEYS: ` ${REAL_A}, ${REAL_B} `, OPENAI_MODEL: 'gpt-4.1-nano' }));
    expect(upstream).toMatchObject({ mode: 'real', providers: [{ name: 'openai', keys: [REAL_A, REAL_B], model: 'gpt-4.1-nano', baseURL: undefined }] });
  });

  it.each([
    ['', 'OPENAI_API_KEYS is not set or empty'],
    [`${REAL_A},,${REAL_B}`, 'OPENAI_API_KEYS has an empty entry at position 2'],
    [`${REAL_A},${REAL_B},${REAL_A}`, 'OPENAI_API_KEYS has the same key at positions 1 and 3'],
  ])('a malformed key list (%j) is a ConfigError naming the variable, never a key', (value, message) => {
    let error: unknown;
    try {
      realUpstream(env({ OPENAI_API_KEYS: value }));
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain(REAL_A);
  });

  it('the startup description says REAL, names what is not configured, and shows key ids, not keys', () => {
    const text = describeUpstream(realUpstream(env({ OPENAI_API_KEYS: `${REAL_A},${REAL_B}` }))).join('\n');
    expect(text).toContain('Mode: REAL providers (openai)');
    expect(text).toContain('Not configured: anthropic, gemini');
    expect(text).toMatch(/openai \(gpt-4o-mini\), 2 keys: key_[\w-]{16}; key_[\w-]{16}/);
    expect(text).not.toContain(REAL_A);
    expect(text).not.toContain(REAL_B.slice(-8));
  });
});

describe('real mode, pointed at a fake OpenAI through OPENAI_BASE_URL', () => {
  let fake: FakeProvider;
  let app: INestApplication;
  const logs = new CapturingLogger();
  beforeAll(async () => {
    fake = await startFakeProvider({ provider: 'openai', keys: { [REAL_A]: { kind: 'invalid_key' }, [REAL_B]: { kind: 'ok' } } });
    const upstream = realUpstream(env({ OPENAI_API_KEYS: `${REAL_A},${REAL_B}`, OPENAI_BASE_URL: fake.url }));
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(upstream)] }).compile();
    app = moduleRef.createNestApplication({ logger: logs, forceCloseConnections: true });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('chats through the configured provider only', async () => {
    const res = await request(app.getHttpServer()).post('/chat').send({ provider: 'openai', messages: USER_HI }).expect(200);
    expect(res.body).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    const refused = await request(app.getHttpServer()).post('/chat').send({ provider: 'anthropic', messages: USER_HI }).expect(400);
    expect(refused.body.errors[0]).toContain('set ANTHROPIC_API_KEYS');
  });

  it('health, metrics, events and logs know the keys by digest id only', async () => {
    const health = await request(app.getHttpServer()).get('/health/keys').expect(200);
    expect(Object.keys(health.body.pools)).toEqual(['openai']);
    expect(health.body.pools.openai.keys.map((k: { id: string }) => k.id)).toEqual([expect.stringMatching(/^key_/), expect.stringMatching(/^key_/)]);
    const metrics = await request(app.getHttpServer()).get('/metrics').expect(200);
    const outputs = [JSON.stringify(health.body), metrics.text, logs.text()];
    for (const output of outputs) {
      expect(output).not.toContain(REAL_A);
      expect(output).not.toContain(REAL_B);
    }
  });
});
