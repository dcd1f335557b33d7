import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../src/bootstrap.js';
import { DEMO_SERVER_TIMEOUTS } from '../src/server/server-timeouts.js';
import { startFakeUpstream } from '../src/upstream/fake-upstream.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import { USER_HI, fakeKey } from './helpers/scripts.js';
import { TEST_POOL } from './helpers/test-demo.js';

/**
 * The demo as `npm start` runs it (startDemo on loopback): only loopback Host names are answered
 * (DNS rebinding), slow senders are cut off, and every error has one problem+json shape.
 */
let demo: RunningDemo;
let port: number;
beforeAll(async () => {
  const upstream = await startFakeUpstream({ openai: [fakeKey('openai', 'good', { kind: 'ok' })] }, { poolDefaults: TEST_POOL });
  demo = await startDemo({ port: 0, logger: new CapturingLogger(), upstream });
  port = Number(new URL(demo.url).port);
});
afterAll(() => demo?.close());

/** A raw request, since fetch does not let a caller choose the Host header. */
function send(path: string, host: string, { method = 'GET', body }: { method?: string; body?: string } = {}): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { host, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      // The event stream never ends by itself: its first bytes are enough.
      if (path === '/events' && res.statusCode === 200) res.once('data', () => { res.destroy(); resolve({ status: 200, type: String(res.headers['content-type']), text }); });
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the demo on loopback', () => {
  it.each(['/', '/events', '/chat', '/health/keys'])('refuses %s for a Host that is not a loopback name (a DNS-rebinding page)', async (path) => {
    const res = await send(path, `attacker.example:${port}`, path === '/chat' ? { method: 'POST', body: JSON.stringify({ provider: 'openai', messages: USER_HI }) } : {});
    expect(res.status).toBe(403);
    expect(res.type).toContain('application/problem+json');
    expect(JSON.parse(res.text)).toMatchObject({ type: 'about:blank', title: 'Forbidden', status: 403 });
  });

  it.each([`localhost:PORT`, `127.0.0.1:PORT`, `[::1]:PORT`, 'app.localhost:PORT'])('answers Host %s', async (host) => {
    const res = await send('/health/keys', host.replace('PORT', String(port)));
    expect(res.status).toBe(200);
    const chat = await send('/chat', host.replace('PORT', String(port)), { method: 'POST', body: JSON.stringify({ provider: 'openai', messages: USER_HI }) });
    expect(chat.status).toBe(200);
  });

  it("tightens Node's server timeouts: headers within 10 s, a whole request within 15 s", () => {
    const server = demo.app.getHttpServer();
    expect({ headersTimeoutMs: server.headersTimeout, requestTimeoutMs: server.requestTimeout, keepAliveTimeoutMs: server.keepAliveTimeout }).toEqual(DEMO_SERVER_TIMEOUTS);
  });

  it('answers every error in one shape: problem+json with type, title and status (400, 404, 413)', async () => {
    const host = `localhost:${port}`;
    const invalid = await send('/chat', host, { method: 'POST', body: JSON.stringify({ provider: 'openai' }) });
    const missing = await send('/nowhere', host);
    const huge = await send('/chat', host, { method: 'POST', body: JSON.stringify({ provider: 'openai', messages: [{ role: 'user', content: 'x'.repeat(300_000) }] }) });
    expect([invalid.status, missing.status, huge.status]).toEqual([400, 404, 413]);
    for (const res of [invalid, missing, huge]) {
      expect(res.type).toContain('application/problem+json');
      const body = JSON.parse(res.text);
      expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(['status', 'title', 'type']));
      expect(typeof body.title).toBe('string');
      expect(body.detail === undefined || typeof body.detail === 'string').toBe(true);
    }
    expect(JSON.parse(invalid.text).errors).toEqual(['messages must be a non-empty array of { role, content }']);
    expect(JSON.parse(huge.text)).toMatchObject({ title: 'Payload Too Large', status: 413 });
  });
});
