import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { isNetworkError } from '@keymesh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamFetch } from '../src/http/upstream-fetch.js';

const servers: Server[] = [];
const transports: Array<{ close(): void }> = [];
afterEach(() => {
  transports.splice(0).forEach((t) => t.close());
  servers.splice(0).forEach((s) => (s.closeAllConnections(), s.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function transport(options?: { headersTimeoutMs?: number }) {
  const t = upstreamFetch(options);
  transports.push(t);
  return t.fetch;
}

describe('upstreamFetch (the proxy\'s node:http transport)', () => {
  it('sends method, headers and body, and answers with status, headers and body', async () => {
    const origin = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-echo': `${req.method} ${req.headers['x-test']} ${req.headers['content-length']}` });
        res.end(JSON.stringify({ body }));
      });
    });
    const response = await transport()(new URL(`${origin}/v1/x`), { method: 'POST', headers: { 'x-test': 'yes', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect([response.status, response.headers.get('x-echo')]).toEqual([201, 'POST yes 7']);
    expect(await response.json()).toEqual({ body: '{"a":1}' });
  });

  it('answers a redirect as it is, never following it', async () => {
    const origin = await serve((_req, res) => res.writeHead(302, { location: 'http://127.0.0.2:1/steal' }).end());
    const response = await transport()(`${origin}/v1/x`, { method: 'GET' });
    expect([response.status, response.headers.get('location')]).toEqual([302, 'http://127.0.0.2:1/steal']);
  });

  it('rejects a refused connection with its socket code, which the pool counts as provider trouble', async () => {
    const origin = await serve(() => {});
    servers.splice(0).forEach((s) => s.close());
    const error = await transport()(`${origin}/v1/x`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isNetworkError(error)).toBe(true);
  });

  it('errors the body of an answer cut mid-way, as provider trouble', async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.destroy(), 10);
    });
    const response = await transport()(`${origin}/v1/x`);
    const error = await response.text().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isNetworkError(error)).toBe(true);
  });

  it('rejects with the signal\'s reason on abort, before the answer and during its body', async () => {
    const origin = await serve((req, res) => {
      if (req.url === '/body') {
        res.writeHead(200);
        res.write('first');
      }
    });
    const before = new AbortController();
    const pending = transport()(`${origin}/headers`, { signal: before.signal });
    const reason = new Error('caller gave up');
    before.abort(reason);
    await expect(pending).rejects.toBe(reason);

    const during = new AbortController();
    const response = await transport()(`${origin}/body`, { signal: during.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
    during.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });

  it('decodes a gzip body, as fetch does', async () => {
    const origin = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"ok":true}')));
    expect(await (await transport()(`${origin}/v1/x`)).json()).toEqual({ ok: true });
  });

  it('answers HEAD and 204 without a body, and fails with ETIMEDOUT when no headers come in time', async () => {
    const origin = await serve((req, res) => {
      if (req.url === '/slow') return;
      res.writeHead(req.method === 'HEAD' ? 200 : 204).end();
    });
    const fetch = transport({ headersTimeoutMs: 50 });
    expect((await fetch(`${origin}/x`, { method: 'HEAD' })).body).toBeNull();
    expect((await fetch(`${origin}/x`, { method: 'DELETE' })).status).toBe(204);
    await expect(fetch(`${origin}/slow`)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});
