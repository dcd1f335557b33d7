import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/raw-http.js';
import { startHarness, token, type Harness } from './support/proxy-harness.js';

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

describe('what the proxy refuses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { openai: { keys: { 'sk-test-one': { kind: 'ok' } } } },
      { limits: { maxBodyBytes: 4_096, maxHeaderBytes: 4_096, headersTimeoutMs: 300, requestTimeoutMs: 600 } },
    );
  });
  afterAll(() => h.close());
  const post = (headers: Record<string, string>, body = chat) => fetch(`${h.proxy.url}/openai/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('a request without the token, or with a wrong one, in any credential header', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-value-0123456789' }, { 'x-api-key': 'nope' }, { authorization: token }] as Array<Record<string, string>>) {
      const response = await post(headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(h.fakes.openai!.requests).toHaveLength(0);
  });

  it('accepts the token in the provider key headers or the query too, and never forwards it', async () => {
    for (const headers of [{ authorization: `Bearer ${token}` }, { 'x-api-key': token }, { 'api-key': token }] as Array<Record<string, string>>) expect((await post(headers)).status).toBe(200);
    const viaQuery = await fetch(`${h.proxy.url}/openai/v1/chat/completions?KEY=${token}&key=${token}&keep=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat });
    expect(viaQuery.status).toBe(200);
    const requests = h.fakes.openai!.requests;
    expect(requests.map((r) => r.key)).toEqual(['sk-test-one', 'sk-test-one', 'sk-test-one', 'sk-test-one']);
    expect(requests.every((r) => r.keyCount === 1)).toBe(true);
    for (const r of requests) expect(JSON.stringify({ headers: r.headers, query: r.query })).not.toContain(token);
    expect(requests.at(-1)!.query).toEqual({ keep: '1' });
  });

  it('does not forward the client\'s OpenAI organisation or project (the pooled keys have their own)', async () => {
    expect((await post({ authorization: `Bearer ${token}`, 'openai-organization': 'org-client', 'openai-project': 'proj-client', 'x-custom': 'kept' })).status).toBe(200);
    const last = h.fakes.openai!.requests.at(-1)!;
    expect(last.headers['openai-organization']).toBeUndefined();
    expect(last.headers['openai-project']).toBeUndefined();
    expect(last.headers['x-custom']).toBe('kept');
  });

  it('health and metrics need the token as well', async () => {
    expect((await fetch(`${h.proxy.url}/health/keys`)).status).toBe(401);
    expect((await fetch(`${h.proxy.url}/metrics`)).status).toBe(401);
  });

  it('a foreign Host (DNS rebinding), an absolute-form target, dot segments and encoded tricks', async () => {
    const head = (target: string, host = `127.0.0.1:${h.proxy.port}`) => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;
    expect((await rawRequest(h.proxy.port, head('/openai/v1/models', 'rebind.attacker.example'))).status).toBe(421);
    expect((await rawRequest(h.proxy.port, head('http://evil.example/openai/v1/models'))).status).toBe(400);
    expect((await rawRequest(h.proxy.port, head('/openai/v1/../../admin'))).status).toBe(400);
    expect((await rawRequest(h.proxy.port, head('/openai/v1/%2e%2e/%2e%2e/admin'))).status).toBe(400);
    expect((await rawRequest(h.proxy.port, head('/openai/v1/models%2f..%2fx'))).status).toBe(400);
    expect((await rawRequest(h.proxy.port, head('/elsewhere'))).status).toBe(404);
    expect(h.fakes.openai!.requests.filter((r) => r.path !== '/v1/chat/completions')).toHaveLength(0);
  });

  it('a body past limits.maxBodyBytes (413) and a head past limits.maxHeaderBytes (431)', async () => {
    const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(8_000) }] });
    expect((await post({ authorization: `Bearer ${token}` }, big)).status).toBe(413);
    const huge = await rawRequest(h.proxy.port, `GET /health/keys HTTP/1.1\r\nHost: 127.0.0.1:${h.proxy.port}\r\nX-Filler: ${'a'.repeat(8_000)}\r\n\r\n`);
    expect(huge.status).toBe(431);
  });

  it('a client that trickles its head is cut off at limits.headersTimeoutMs', async () => {
    const started = Date.now();
    const slow = await rawRequest(h.proxy.port, `GET /health/keys HTTP/1.1\r\nHost: 127.0.0.1:${h.proxy.port}\r\n`, 5_000);
    expect(slow.closedByServer).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_500);
  });
});

describe('upstream text that may echo a key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      openai: {
        keys: {
          'sk-test-echoed-0123456789': {
            kind: 'status',
            status: 400,
            body: { error: { message: 'Incorrect value for key sk-test-echoed-0123456789 in request', type: 'invalid_request_error', param: null, code: null } },
          },
        },
      },
    });
  });
  afterAll(() => h.close());

  it('reaches the client with every pooled secret redacted, the status kept, sent once', async () => {
    const response = await h.call('/openai/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain('sk-test-echoed-0123456789');
    expect(text).toContain('invalid_request_error');
    expect(h.fakes.openai!.requests).toHaveLength(1);
  });
});

describe('an upstream redirect', () => {
  it('is never relayed: a client following it would carry the local token elsewhere', async () => {
    const { createServer } = await import('node:http');
    const foreignHits: string[] = [];
    const foreign = createServer((req, res) => {
      foreignHits.push(JSON.stringify(req.headers));
      res.end('{}');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const foreignUrl = `http://127.0.0.1:${(foreign.address() as { port: number }).port}/steal`;
    const redirecting = createServer((_req, res) => {
      res.writeHead(307, { location: foreignUrl });
      res.end();
    });
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { resolveConfig, startProxy } = await import('../src/index.js');
    const origin = `http://127.0.0.1:${(redirecting.address() as { port: number }).port}`;
    const proxy = await startProxy(resolveConfig({ token, port: 0, providers: { anthropic: { baseURL: origin, keys: ['sk-ant-test-redirect'] } } }, {}), { tokenFile: join(mkdtempSync(join(tmpdir(), 'kmp-')), 'token') });
    try {
      const response = await fetch(`${proxy.url}/anthropic/v1/messages`, { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [] }) });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ type: 'https://keymesh.dev/problems/upstream-redirect' });
      expect(foreignHits).toEqual([]);
    } finally {
      await proxy.close();
      foreign.close();
      redirecting.close();
    }
  });
});
