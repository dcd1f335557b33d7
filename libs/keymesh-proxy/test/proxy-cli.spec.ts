import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider } from '@keymesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from '../../../test/built-packages.js';

const cli = join(root, 'libs/keymesh-proxy/dist/cli.js');

function runCli(args: string[], env: Record<string, string> = {}, until?: (stderr: string) => boolean) {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH!, HOME: env.HOME ?? tmpdir(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  const ready = new Promise<void>((resolve) => {
    child.stderr.on('data', (c) => {
      stderr += c;
      if (until?.(stderr)) resolve();
    });
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return { child, ready, exited, out: () => stdout, err: () => stderr };
}

describe('keymesh-proxy (the CLI)', () => {
  let fake: FakeProvider;
  let home: string;
  beforeAll(async () => {
    ensureBuilt([{ dir: 'libs/keymesh-core', name: '@keymesh/core' }, { dir: 'libs/keymesh-proxy', name: '@keymesh/proxy' }]);
    fake = await startFakeProvider({ provider: 'openai', keys: { 'sk-test-cli': { kind: 'ok' } } });
    home = mkdtempSync(join(tmpdir(), 'kmp-cli-'));
  }, 120_000);
  afterAll(() => fake.close());

  const config = () => {
    const path = join(home, 'keymesh.json');
    writeFileSync(path, JSON.stringify({ port: 0, providers: { openai: { baseURL: fake.origin, keys: ['sk-test-cli'] } } }));
    return path;
  };

  it('starts, generates and stores a token (never printed to the log stream), serves, and stops cleanly on SIGTERM', async () => {
    const proxy = runCli(['--config', config()], { HOME: home }, (err) => err.includes('"msg":"listening"'));
    await proxy.ready;
    const listening = JSON.parse(proxy.err().split('\n').find((l) => l.includes('"msg":"listening"'))!) as { url: string; token: string };
    expect(listening.token).toBe('generated');
    // Not a terminal: the token is stored, not printed (stderr is the log stream).
    const token = readFileSync(join(home, '.config/keymesh-proxy/token'), 'utf8').trim();
    expect(proxy.err()).toMatch(/generated a local token and stored it in .*token \(mode 0600\); `keymesh-proxy --print-env` prints it/);
    expect(proxy.err()).not.toContain(token);
    const response = await fetch(`${listening.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
    expect(proxy.err()).not.toContain('sk-test-cli');
    // The next start reads the stored token and does not print it again.
    const again = runCli(['--config', config(), '--log-requests'], { HOME: home }, (err) => err.includes('"msg":"listening"'));
    await again.ready;
    expect(again.err()).not.toContain(token);
    expect(again.err()).toContain('"token":"stored"');
    const url = (JSON.parse(again.err().split('\n').find((l) => l.includes('"msg":"listening"'))!) as { url: string }).url;
    expect((await fetch(`${url}/health/keys?key=${token}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const requestLine = again.err().split('\n').find((l) => l.includes('"msg":"request"'));
    expect(JSON.parse(requestLine!)).toMatchObject({ level: 'info', method: 'GET', route: 'health', status: 200 });
    expect(again.err()).not.toContain(token);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }, 30_000);

  it('--print-env prints the SDK variables for Node and Python clients', async () => {
    const run = runCli(['--config', config(), '--port', '9911', '--print-env'], { HOME: home });
    expect(await run.exited).toBe(0);
    expect(run.out()).toMatch(/^export KEYMESH_PROXY_URL='http:\/\/127\.0\.0\.1:9911'$/m);
    expect(run.out()).toMatch(/^export OPENAI_BASE_URL='http:\/\/127\.0\.0\.1:9911\/openai\/v1'$/m);
    expect(run.out()).toMatch(/^export OPENAI_API_KEY='kmp_/m);
  });

  it('exit codes say what went wrong: 64 bad flags, 78 bad config, 69 port taken', async () => {
    expect(await runCli(['--bogus']).exited).toBe(64);
    const bad = join(home, 'bad.json');
    writeFileSync(bad, JSON.stringify({ prot: 1 }));
    const badRun = runCli(['--config', bad], { HOME: home });
    expect(await badRun.exited).toBe(78);
    expect(badRun.err()).toMatch(/Did you mean `port`/);
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const busy = runCli(['--config', config(), '--port', String(port)], { HOME: home });
    expect(await busy.exited).toBe(69);
    taken.close();
    const remote = runCli(['--config', config(), '--host', '0.0.0.0'], { HOME: home });
    expect(await remote.exited).toBe(78);
    expect(remote.err()).toMatch(/--allow-remote/);
  }, 30_000);
});
