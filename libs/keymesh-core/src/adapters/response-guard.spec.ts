import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { settleResponse } from './response-guard.js';

const servers: Array<{ close(): void; closeAllConnections(): void }> = [];
afterEach(() => servers.splice(0).forEach((s) => (s.closeAllConnections(), s.close())));

/** A real HTTP response whose body is written by `script`. */
async function respond(script: (res: ServerResponse) => void): Promise<Response> {
  const server = createServer((_req, res) => script(res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

describe('settleResponse', () => {
  it('reads a whole non-stream body inside the attempt and hands back an equivalent Response', async () => {
    const response = await respond((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'r1' });
      res.write('{"a":');
      setTimeout(() => res.end('1}'), 10);
    });
    const settled = await settleResponse(response, { stream: false, idleTimeoutMs: 1_000 });
    expect(settled.status).toBe(200);
    expect(settled.headers.get('x-request-id')).toBe('r1');
    expect(await settled.json()).toEqual({ a: 1 });
  });

  it('fails a non-stream body that stalls mid-way with StreamIdleTimeoutError', async () => {
    const response = await respond((res) => {
      res.writeHead(200);
      res.write('{"partial":');
    });
    await expect(settleResponse(response, { stream: false, idleTimeoutMs: 50 })).rejects.toMatchObject({ code: 'ERR_KEYMESH_STREAM_IDLE', name: 'StreamIdleTimeoutError' });
  });

  it('fails a non-stream body whose connection drops mid-way with the transport error', async () => {
    const response = await respond((res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.destroy(), 10);
    });
    await expect(settleResponse(response, { stream: false, idleTimeoutMs: 1_000 })).rejects.toThrow(/terminated/);
  });

  it('waits for the first stream chunk, then passes every chunk through in order', async () => {
    const response = await respond((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      setTimeout(() => res.write('data: 1\n\n'), 20);
      setTimeout(() => res.write('data: 2\n\n'), 40);
      setTimeout(() => res.end('data: [DONE]\n\n'), 60);
    });
    const settled = await settleResponse(response, { stream: true, idleTimeoutMs: 1_000 });
    expect(await settled.text()).toBe('data: 1\n\ndata: 2\n\ndata: [DONE]\n\n');
  });

  it('fails a stream that sends nothing before its first chunk (so the request can fail over)', async () => {
    const response = await respond((res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders());
    await expect(settleResponse(response, { stream: true, idleTimeoutMs: 50 })).rejects.toMatchObject({ code: 'ERR_KEYMESH_STREAM_IDLE' });
  });

  it('errors a stream that goes silent after its first chunk, while the caller reads it', async () => {
    const response = await respond((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    const settled = await settleResponse(response, { stream: true, idleTimeoutMs: 60 });
    const reader = settled.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
    const started = Date.now();
    await expect(reader.read()).rejects.toMatchObject({ code: 'ERR_KEYMESH_STREAM_IDLE' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('leaves a body-less response alone', async () => {
    const response = new Response(null, { status: 204 });
    expect(await settleResponse(response, { stream: false, idleTimeoutMs: 10 })).toBe(response);
  });
});
