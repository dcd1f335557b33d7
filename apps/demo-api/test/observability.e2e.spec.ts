import 'reflect-metadata';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../src/bootstrap.js';
import type { DashboardUpdate } from '../src/dashboard/dashboard-update.js';
import { startFakeUpstream } from '../src/upstream/fake-upstream.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import { ROTATING_SCRIPT, USER_HI } from './helpers/scripts.js';
import { SseClient } from './helpers/sse-client.js';
import { TEST_POOL, bootTestDemo, secretsOf, type TestDemo } from './helpers/test-demo.js';
import { sampleOf as sample } from './helpers/prometheus-text.js';


function expectNoSecret(demo: { secrets: string[] }, ...outputs: string[]): void {
  for (const output of outputs) for (const secret of demo.secrets) expect(output).not.toContain(secret);
}

describe('health, metrics, events and the dashboard page', () => {
  let demo: TestDemo;
  let events: SseClient;
  beforeAll(async () => {
    demo = await bootTestDemo(ROTATING_SCRIPT);
    events = new SseClient(demo.origin, '/events');
  });
  afterAll(async () => {
    events?.close();
    await demo?.close();
  });

  it('GET /events opens with a hello: mode, scripts and every pool snapshot', async () => {
    const { status, headers } = await events.response;
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    const hello = JSON.parse((await events.next()).data) as DashboardUpdate;
    expect(hello.hello).toMatchObject({ mode: 'fake', scripts: { openai: { limited: 'test limited', good: 'test good' } }, recent: [] });
    expect(Object.keys(hello.pools)).toEqual(['openai', 'anthropic', 'gemini']);
    expect(hello.pools.openai.keys.map((k) => [k.id, k.state, k.available])).toEqual([
      ['limited', 'closed', true],
      ['good', 'closed', true],
    ]);
    expect(hello.pools.openai.keys[0].hint).toMatch(/^sk-…\w{4}$/);
  });

  it('GET /health/keys: 200 and every key, before any traffic', async () => {
    const res = await request(demo.server).get('/health/keys').expect(200);
    expect(res.body).toMatchObject({ status: 'up', pools: { openai: { healthy: true, available: 2 }, anthropic: { available: 2 }, gemini: { available: 2 } } });
    expectNoSecret(demo, JSON.stringify(res.body));
  });

  it('GET /metrics: no request or rotation counted yet, every key available (gauges read at the scrape)', async () => {
    const res = await request(demo.server).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).not.toContain('keymesh_rotations_total{');
    expect(res.text).not.toContain('gen_ai_client_operation_duration_count{');
    for (const pool of ['openai', 'anthropic', 'gemini']) expect(sample(res.text, 'keymesh_keys_available', { keymesh_pool_name: pool })).toBe(2);
    expect(sample(res.text, 'keymesh_keys', { keymesh_pool_name: 'openai', keymesh_key_state: 'closed' })).toBe(2);
  });

  describe('after one chat per provider, each meeting its bad key first', () => {
    beforeAll(async () => {
      for (const provider of ['openai', 'anthropic', 'gemini']) await request(demo.server).post('/chat').send({ provider, messages: USER_HI }).expect(200);
    });

    it('GET /metrics (from @keymesh/opentelemetry) counts the rotations by the key left and why, requests by provider, and shows each key state; no secret', async () => {
      const { text } = await request(demo.server).get('/metrics').expect(200);
      const pool = (name: string, labels: Record<string, string> = {}) => ({ keymesh_pool_name: name, ...labels });
      expect(sample(text, 'keymesh_rotations_total', pool('openai', { keymesh_key_from_id: 'limited', keymesh_rotation_reason: 'rate_limited' }))).toBe(1);
      expect(sample(text, 'keymesh_rotations_total', pool('anthropic', { keymesh_key_from_id: 'no-credit', keymesh_rotation_reason: 'quota_exhausted' }))).toBe(1);
      expect(sample(text, 'keymesh_rotations_total', pool('gemini', { keymesh_key_from_id: 'revoked', keymesh_rotation_reason: 'key_rejected' }))).toBe(1);
      expect(sample(text, 'keymesh_rate_limits_total', pool('openai', { keymesh_key_id: 'limited', keymesh_rate_limit_source: 'hint' }))).toBe(1);
      expect(sample(text, 'keymesh_key_disables_total', pool('gemini', { keymesh_key_id: 'revoked', keymesh_disable_reason: 'key_rejected' }))).toBe(1);
      expect(sample(text, 'keymesh_attempts_total', pool('openai', { keymesh_key_id: 'limited', keymesh_attempt_outcome: 'rate_limited' }))).toBe(1);
      expect(sample(text, 'keymesh_attempts_total', pool('openai', { keymesh_key_id: 'good', keymesh_attempt_outcome: 'ok' }))).toBe(1);
      // The GenAI conventions: one operation per request, by provider.
      expect(sample(text, 'gen_ai_client_operation_duration_count', pool('openai', { gen_ai_provider_name: 'openai', gen_ai_operation_name: 'chat' }))).toBe(1);
      expect(sample(text, 'gen_ai_client_operation_duration_count', pool('anthropic', { gen_ai_provider_name: 'anthropic' }))).toBe(1);
      expect(sample(text, 'gen_ai_client_operation_duration_count', pool('gemini', { gen_ai_provider_name: 'gcp.gemini' }))).toBe(1);
      expect(text).toContain('# UNIT gen_ai_client_operation_duration s');
      expect(sample(text, 'keymesh_keys', pool('gemini', { keymesh_key_state: 'disabled' }))).toBe(1);
      expect(sample(text, 'keymesh_keys', pool('openai', { keymesh_key_state: 'closed' }))).toBe(2);
      expect(sample(text, 'keymesh_key_available', pool('openai', { keymesh_key_id: 'limited' }))).toBe(0);
      expect(sample(text, 'keymesh_key_cooldown', pool('openai', { keymesh_key_id: 'limited' }))).toBeGreaterThan(20);
      expect(sample(text, 'keymesh_keys_available', pool('openai'))).toBe(1);
      expect(sample(text, 'demo_chat_requests_total', { provider: 'openai', mode: 'json', outcome: 'ok' })).toBe(1);
      expect(text).toContain('# HELP keymesh_rotations_total');
      expect(text).toContain('# TYPE keymesh_keys gauge');
      expectNoSecret(demo, text);
    });

    it('GET /health/keys shows what happened to each bad key, still 200 (a good key serves every pool)', async () => {
      const res = await request(demo.server).get('/health/keys').expect(200);
      const key = (pool: string, id: string) => res.body.pools[pool].keys.find((k: { id: string }) => k.id === id);
      expect(key('openai', 'limited')).toMatchObject({ state: 'closed', available: false, lastErrorKind: 'rate_limited' });
      expect(key('anthropic', 'no-credit')).toMatchObject({ state: 'disabled', disabledReason: 'quota_exhausted' });
      expect(key('gemini', 'revoked')).toMatchObject({ state: 'disabled', disabledReason: 'key_rejected', availableAt: null });
      expectNoSecret(demo, JSON.stringify(res.body));
    });

    it('GET /events pushed the rotations with fresh snapshots; nothing secret on the stream', async () => {
      const withRotation = await events.next((m) => (JSON.parse(m.data) as DashboardUpdate).events.some((e) => e.name === 'key.rotated' && e.pool === 'gemini'));
      const update = JSON.parse(withRotation.data) as DashboardUpdate;
      expect(update.events.find((e) => e.name === 'key.rotated' && e.pool === 'gemini')).toMatchObject({ keyId: 'good', fromKeyId: 'revoked', reason: 'key_rejected' });
      expect(update.pools.gemini.keys.find((k) => k.id === 'revoked')).toMatchObject({ state: 'disabled' });
      const all = events.messages.flatMap((m) => (JSON.parse(m.data) as DashboardUpdate).events.map((e) => `${e.pool}:${e.name}`));
      expect(all).toEqual(expect.arrayContaining(['openai:key.rotated', 'openai:key.rate_limited', 'anthropic:key.disabled', 'anthropic:key.rotated', 'gemini:key.disabled']));
      // Every request counts, not only the page's own: totals since start and the per-second timeline.
      const last = JSON.parse((await events.next((m) => (JSON.parse(m.data) as DashboardUpdate).traffic.totals.gemini!.requests > 0)).data) as DashboardUpdate;
      expect(last.traffic.totals.openai).toMatchObject({ succeeded: expect.any(Number), upstream429: 1, rotations: 1 });
      expect(last.traffic.timeline.pools.openai!.requests.reduce((a, b) => a + b, 0)).toBe(last.traffic.totals.openai!.requests);
      // request.* events only move counters: they are not on the stream.
      expect(all.some((name) => name.includes(':request.'))).toBe(false);
      expectNoSecret(demo, events.raw);
    });

    it('a dashboard opened now gets the recent rotations in its hello', async () => {
      const late = new SseClient(demo.origin, '/events');
      try {
        const hello = JSON.parse((await late.next()).data) as DashboardUpdate;
        expect(hello.hello!.recent.filter((e) => e.name === 'key.rotated').map((e) => e.pool)).toEqual(['openai', 'anthropic', 'gemini']);
      } finally {
        late.close();
      }
    });
  });

  it('GET / serves the dashboard: one self-contained page, nothing fetched from elsewhere, no secret', async () => {
    const res = await request(demo.server).get('/').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.text).toContain("new EventSource('/events')");
    expect(res.text).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(res.text).not.toMatch(/@import|url\(/);
    expectNoSecret(demo, res.text);
  });

  it('logs the transitions an operator cares about, by key id only', () => {
    const text = demo.logs.text();
    expect(text).toContain('gemini: key revoked disabled (key_rejected)');
    expect(text).toContain('anthropic: key no-credit disabled (quota_exhausted)');
    expectNoSecret(demo, text);
  });
});

describe('startDemo (what main.ts runs)', () => {
  let running: RunningDemo;
  const logger = new CapturingLogger();
  const secrets = secretsOf(ROTATING_SCRIPT);
  beforeAll(async () => {
    running = await startDemo({ port: 0, logger, upstream: await startFakeUpstream(ROTATING_SCRIPT, { poolDefaults: TEST_POOL }) });
  });
  let closed = false;
  afterAll(async () => {
    if (!closed) await running?.close();
  });

  it('listens, says where and in which mode, and lists each key by id with its script, never a secret', async () => {
    expect(running.url).toMatch(/^http:\/\/localhost:\d+$/);
    const text = logger.text();
    expect(text).toContain(`Keymesh demo on ${running.url}`);
    expect(text).toContain('Mode: embedded fake providers');
    expect(text).toMatch(/openai \(gpt-4o-mini\), 2 keys: limited = test limited; good = test good/);
    const port = new URL(running.url).port;
    await request(`http://127.0.0.1:${port}`).post('/chat').send({ provider: 'gemini', messages: USER_HI }).expect(200);
    expect(logger.text()).toContain('gemini: key revoked disabled');
    for (const secret of secrets) expect(logger.text()).not.toContain(secret);
  });

  it('shuts down promptly with a dashboard still connected: its event stream ends', async () => {
    const port = new URL(running.url).port;
    const dashboard = new SseClient(`http://127.0.0.1:${port}`, '/events');
    await dashboard.next();
    const ended = new Promise<void>((resolve) => dashboard.onEnd(resolve));
    const started = Date.now();
    closed = true;
    await running.close();
    await ended;
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
