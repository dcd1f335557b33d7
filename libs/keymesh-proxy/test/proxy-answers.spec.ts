import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/raw-http.js';
import { startHarness, token, type Harness } from './support/proxy-harness.js';

/** How answers leave the proxy: a non-stream answer in one piece with its length, a stream chunk by chunk. */
describe('answers sent to the client', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ openai: { keys: { 'sk-test-answers': { kind: 'ok' } } } });
  });
  afterAll(() => h.close());

  const post = (body: object) => {
    const json = JSON.stringify(body);
    return rawRequest(
      h.proxy.port,
      `POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${h.proxy.port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  };
  const split = (text: string) => {
    const at = text.indexOf('\r\n\r\n');
    return { head: text.slice(0, at).toLowerCase(), body: text.slice(at + 4) };
  };

  it('sends a non-stream answer with its exact length, not chunked', async () => {
    const answer = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.status).toBe(200);
    const { head, body } = split(answer.text);
    expect(head).not.toContain('transfer-encoding');
    expect(head).toContain(`content-length: ${Buffer.byteLength(body, 'latin1')}\r\n`);
    expect(JSON.parse(Buffer.from(body, 'latin1').toString('utf8')).choices[0].message.content).toBe('Hello from the fake provider!');
  });

  it('streams a server-sent answer chunk by chunk, without a length', async () => {
    const answer = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(answer.status).toBe(200);
    const { head, body } = split(answer.text);
    expect(head).toContain('content-type: text/event-stream');
    expect(head).toContain('transfer-encoding: chunked');
    expect(head).not.toContain('content-length');
    expect(body).toContain('data: [DONE]');
  });
});
