import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeProvider, type Behaviour, type FakeProvider } from '@keymesh/testing';
import { afterEach, describe, expect, it } from 'vitest';

/** examples/ai-sdk-chat/chat-app.mjs, as the test uses it. */
interface ChatModule {
  startChat(options: { keys: unknown[]; baseURL?: string; model?: string; host?: string; port?: number; log?: (line: string) => void }): Promise<{ url: string; server: Server; close(): Promise<void> }>;
}
const { startChat } = (await import('../examples/ai-sdk-chat/chat-app.mjs' as string)) as ChatModule;

const canary = 'UPSTREAM-CANARY-acct_12345';
let fake: FakeProvider | undefined;
let chat: Awaited<ReturnType<ChatModule['startChat']>> | undefined;
afterEach(async () => {
  await chat?.close();
  await fake?.close();
  chat = fake = undefined;
});

async function start(keys: Record<string, Behaviour>) {
  fake = await startFakeProvider({ provider: 'openai', keys, text: 'The whole answer, word by word.' });
  chat = await startChat({ keys: Object.keys(keys), baseURL: fake.url });
  return chat;
}

/** POST /chat and read the UI message stream as the page does: the text, and any error part. */
async function ask(url: string, message = 'hi'): Promise<{ text: string; errors: string[]; raw: string }> {
  const res = await fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
  expect(res.status).toBe(200);
  const raw = await res.text();
  const parts = raw
    .split('\n\n')
    .map((frame) => /^data: (.*)$/m.exec(frame)?.[1])
    .filter((data): data is string => data !== undefined && data !== '[DONE]')
    .map((data) => JSON.parse(data) as { type: string; delta?: string; errorText?: string });
  return { text: parts.filter((p) => p.type === 'text-delta').map((p) => p.delta).join(''), errors: parts.filter((p) => p.type === 'error').map((p) => p.errorText!), raw };
}

describe('examples/ai-sdk-chat', () => {
  it('listens on 127.0.0.1 by default and serves the page', async () => {
    const { url, server } = await start({ 'sk-test-chat-ok-aaaaaaaaaaaa': { kind: 'ok' } });
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<form id="ask">');
  });

  it('streams whole answers through streamText while keys are rate limited or fail before their first event', async () => {
    const { url } = await start({
      'sk-test-chat-limited-aaaaaaa': { kind: 'rate_limit', limit: 0, windowMs: 60_000 },
      'sk-test-chat-broken-bbbbbbbb': { kind: 'stream_error', afterChunks: 0 },
      'sk-test-chat-healthy-cccccccc': { kind: 'ok' },
    });
    for (let i = 0; i < 4; i++) expect(await ask(url)).toMatchObject({ text: 'The whole answer, word by word.', errors: [] });
    const behaviours = fake!.requests.map((r) => r.behaviour);
    expect(behaviours).toContain('rate_limit');
    expect(behaviours).toContain('stream_error');
  });

  it('never shows upstream error text, and says when every key is out', async () => {
    const body = { error: { message: `Internal trouble for ${canary}`, type: 'server_error', code: null } };
    const { url } = await start({ 'sk-test-chat-fail-aaaaaaaaaaa': { kind: 'status', status: 500, body } });
    const failed = await ask(url);
    expect(failed.errors).toEqual(['The model provider could not answer; try again.']);
    expect(failed.raw).not.toContain(canary);

    fake!.setKey('sk-test-chat-fail-aaaaaaaaaaa', { kind: 'quota' });
    const exhausted = await ask(url);
    expect(exhausted.errors).toEqual([expect.stringMatching(/^Every API key is busy or rate limited/)]);
    expect(exhausted.raw).not.toContain('insufficient_quota');
  });

  it('refuses a request without a message', async () => {
    const { url } = await start({ 'sk-test-chat-ok-aaaaaaaaaaaa': { kind: 'ok' } });
    const res = await fetch(`${url}/chat`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(400);
    expect(fake!.requests).toHaveLength(0);
  });
});
