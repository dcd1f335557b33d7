import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLines, proxyEnvironment } from '../src/index.js';
import { startHarness, token, type Harness } from './support/proxy-harness.js';

const run = promisify(execFile);

/** Clients in other languages: Python's standard library and curl, configured the way --print-env says. */
describe('non-Node clients', () => {
  let h: Harness;
  let env: Record<string, string>;
  beforeAll(async () => {
    h = await startHarness({ openai: { keys: { 'sk-test-limited': { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, 'sk-test-good': { kind: 'ok' } } } }, { providers: { openai: { strategy: 'priority' } } });
    env = proxyEnvironment(h.proxy.url, token, ['openai']);
  });
  afterAll(() => h.close());

  it('prints export lines a shell can source', async () => {
    const { stdout } = await run('bash', ['-c', `${exportLines(env)}\necho "$OPENAI_BASE_URL|$OPENAI_API_KEY"`]);
    expect(stdout.trim()).toBe(`${h.proxy.url}/openai/v1|${token}`);
  });

  const python = `
import json, os, sys, urllib.request
base, key = os.environ["OPENAI_BASE_URL"], os.environ["OPENAI_API_KEY"]
def post(body):
    request = urllib.request.Request(base + "/chat/completions", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    return urllib.request.urlopen(request, timeout=10)
ask = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
with post(ask) as r:
    print(json.loads(r.read())["choices"][0]["message"]["content"])
text = ""
with post(dict(ask, stream=True)) as r:
    for line in r:
        line = line.decode().strip()
        if line.startswith("data: ") and line != "data: [DONE]":
            text += json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
print(text)
`;

  it('Python urllib: a completion and a stream', async () => {
    const { stdout } = await run('python3', ['-c', python], { env: { ...process.env, ...env } });
    expect(stdout.trim().split('\n')).toEqual(['Hello from the fake provider!', 'Hello from the fake provider!']);
    expect(h.fakes.openai!.requests.map((r) => r.key)).not.toContain(token);
  });

  it('curl', async () => {
    const { stdout } = await run('curl', ['-sS', '-X', 'POST', `${env.OPENAI_BASE_URL}/chat/completions`, '-H', `Authorization: Bearer ${token}`, '-H', 'content-type: application/json', '-d', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })]);
    expect(JSON.parse(stdout).choices[0].message.content).toBe('Hello from the fake provider!');
  });
});
