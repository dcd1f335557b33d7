import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, token, type Harness } from './support/proxy-harness.js';

/** The three official Node SDKs, pointed at the proxy with the local token as their "API key". */
describe('the official SDKs through the proxy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      openai: { keys: { 'sk-test-limited': { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, 'sk-test-good': { kind: 'ok' } } },
      anthropic: { keys: { 'sk-ant-test-rejected': { kind: 'invalid_key' }, 'sk-ant-test-good': { kind: 'ok' } } },
      gemini: { keys: { 'AIza-test-quota': { kind: 'quota' }, 'AIza-test-good': { kind: 'ok' } } },
    }, { providers: { openai: { strategy: 'priority' }, anthropic: { strategy: 'priority' }, gemini: { strategy: 'priority' } } });
  });
  afterAll(() => h.close());

  const openai = () => new OpenAI({ apiKey: token, baseURL: `${h.proxy.url}/openai/v1`, maxRetries: 0 });

  it('openai: a completion rotates off a rate-limited key at once, and the token never goes upstream', async () => {
    const completion = await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBe('Hello from the fake provider!');
    const keys = h.fakes.openai!.requests.map((r) => r.key);
    expect(keys).toContain('sk-test-good');
    expect(keys).not.toContain(token);
    expect(h.fakes.openai!.requests.every((r) => r.keyCount === 1)).toBe(true);
  });

  it('openai: a stream arrives chunk by chunk', async () => {
    const stream = await openai().chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the fake provider!');
  });

  it('anthropic: a rejected key is disabled and the request served by the next', async () => {
    const anthropic = new Anthropic({ apiKey: token, baseURL: `${h.proxy.url}/anthropic`, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(h.proxy.pools.anthropic!.snapshot().keys.map((k) => k.state)).toEqual(['disabled', 'closed']);
    expect(h.fakes.anthropic!.requests.map((r) => r.key)).not.toContain(token);
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect((await stream.finalText()).length).toBeGreaterThan(0);
  });

  it('gemini: generateContent and a stream, the key moved from the header to the pool', async () => {
    const ai = new GoogleGenAI({ apiKey: token, httpOptions: { baseUrl: `${h.proxy.url}/gemini` } });
    const answer = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' });
    expect(answer.text).toBe('Hello from the fake provider!');
    let text = '';
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.0-flash', contents: 'hi' })) text += chunk.text ?? '';
    expect(text).toBe('Hello from the fake provider!');
    expect(h.fakes.gemini!.requests.map((r) => r.key)).not.toContain(token);
  });

  it('serves /health/keys and /metrics (with the token), with no secret in either', async () => {
    const health = await h.call('/health/keys');
    expect(health.status).toBe(200);
    expect(health.headers.get('cache-control')).toBe('no-store');
    const body = await health.text();
    const metrics = await (await h.call("/metrics")).text();
    // @keymesh/opentelemetry's metrics (GenAI conventions and keymesh.*), and the proxy's own answers.
    expect(metrics).toMatch(/gen_ai_client_operation_duration_count\{[^}]*gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o-mini"\} 2/);
    expect(metrics).toMatch(/keymesh_rotations_total\{keymesh_pool_name="openai"[^}]*keymesh_rotation_reason="rate_limited"\} 1/);
    expect(metrics).toMatch(/keymesh_keys\{keymesh_pool_name="anthropic"[^}]*keymesh_key_state="disabled"\} 1/);
    expect(metrics).toMatch(/keymesh_proxy_http_requests_total\{keymesh_proxy_route="gemini",http_response_status_class="2xx"\} 2/);
    for (const secret of ['sk-test-limited', 'sk-test-good', 'sk-ant-test-rejected', 'AIza-test-good', token]) {
      expect(body).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
  });
});
