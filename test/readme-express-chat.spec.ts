import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider } from '@keymesh/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { root } from './built-packages.js';
import { buildPackages } from './readme-blocks.js';

/**
 * examples/express-chat, which the @keymesh/express README points readers at, run as a reader
 * runs it (plain Node, built packages): it listens on loopback and PORT, streams answers, and
 * never hands the caller an upstream error's text.
 */
const SERVER = join(root, 'examples/express-chat/server.mjs');
const KEY = 'sk-test-example-CANARY-aaaaaaaaaaaa';

beforeAll(() => buildPackages(), 300_000);

const running: Array<{ child: ChildProcess; fake?: FakeProvider }> = [];
afterEach(async () => {
  for (const { child, fake } of running.splice(0)) {
    child.kill('SIGTERM');
    await fake?.close();
  }
});

async function start(env: Record<string, string>, fake?: FakeProvider): Promise<{ url: string; output: () => string }> {
  const child = spawn(process.execPath, [SERVER], { cwd: root, env: { PATH: process.env.PATH, PORT: '0', ...env } });
  running.push({ child, fake });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example did not start within 20 s:\n${output}`)), 20_000);
    child.stdout!.on('data', () => {
      const match = /express-chat on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the example exited with ${code}:\n${output}`)));
  });
  return { url, output: () => output };
}

const ask = (url: string) => fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hi' }) });

describe('examples/express-chat', () => {
  it('listens on 127.0.0.1 and the given PORT, and streams an answer through its misbehaving fake keys', async () => {
    const { url } = await start({});
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(new URL(url).port).not.toBe('0');
    const res = await ask(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('event: done');
  }, 30_000);

  it('answers an upstream 400 that quotes the key with a problem body of its own: status and request id, no provider text', async () => {
    const fake = await startFakeProvider({ provider: 'openai', keys: { [KEY]: { kind: 'status', status: 400, body: { error: { message: `Invalid request for key ${KEY}`, type: 'invalid_request_error' } } } } });
    const { url } = await start({ OPENAI_API_KEYS: KEY, OPENAI_BASE_URL: fake.url }, fake);
    const res = await ask(url);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 400, upstreamStatus: 400, requestId: expect.stringMatching(/^req_/) });
    expect(text).not.toContain('CANARY');
    expect(text).not.toContain('Invalid request');
  }, 30_000);

  it('tells the page in its own words when a stream breaks mid-answer', async () => {
    const fake = await startFakeProvider({ provider: 'openai', keys: { [KEY]: { kind: 'stream_error', afterChunks: 2 } } });
    const { url } = await start({ OPENAI_API_KEYS: KEY, OPENAI_BASE_URL: fake.url }, fake);
    const res = await ask(url);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('event: error\ndata: {"title":"The answer was cut off; try again"}');
    expect(text).not.toContain('server_error');
  }, 30_000);
});
