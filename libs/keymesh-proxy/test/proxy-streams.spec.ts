import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, token, type Harness } from './support/proxy-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
const client = () => new OpenAI({ apiKey: token, baseURL: `${h!.proxy.url}/openai/v1`, maxRetries: 0 });
const ask = { model: 'gpt-4o-mini', stream: true as const, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('streams through the proxy', () => {
  it('an error event before the first chunk fails over to another key; the client sees one whole stream', async () => {
    h = await startHarness(
      { openai: { keys: { 'sk-test-broken': { kind: 'stream_error', afterChunks: 0 }, 'sk-test-good': { kind: 'ok' } } } },
      { providers: { openai: { strategy: 'priority' } } },
    );
    let text = '';
    for await (const chunk of await client().chat.completions.create(ask)) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the fake provider!');
    expect(h.fakes.openai!.requests.map((r) => r.key)).toEqual(['sk-test-broken', 'sk-test-good']);
  });

  it('an upstream killed mid-stream cuts the client off, and nothing is re-sent after the first chunk', async () => {
    h = await startHarness(
      { openai: { keys: { 'sk-test-dropping': { kind: 'stream_drop', afterChunks: 2 }, 'sk-test-good': { kind: 'ok' } } } },
      { providers: { openai: { strategy: 'priority' } } },
    );
    const chunks: string[] = [];
    const error = await (async () => {
      for await (const chunk of await client().chat.completions.create(ask)) chunks.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    expect(h.fakes.openai!.requests.map((r) => r.key)).toEqual(['sk-test-dropping']);
  });

  it('on close, a request in flight finishes; new connections are refused', async () => {
    h = await startHarness({ openai: { keys: { 'sk-test-slow': { kind: 'ok', latencyMs: 400 } } } });
    const pending = client().chat.completions.create({ ...ask, stream: false });
    await new Promise((r) => setTimeout(r, 100));
    const closing = h.proxy.close();
    const completion = await pending;
    expect(completion.choices[0]!.message.content).toBe('Hello from the fake provider!');
    await closing;
    await expect(fetch(`${h.proxy.url}/health/keys`)).rejects.toThrow();
  });
});
