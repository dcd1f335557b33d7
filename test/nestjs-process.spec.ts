import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockPackagesHook, ensureBuilt, removeScratch, root, scratchFile } from './built-packages.js';

/**
 * @keymesh/nestjs in a real Node process, as an application runs it: it must work without its
 * optional peers (terminus, event-emitter) and let the process exit by itself after app.close().
 */
beforeAll(
  () =>
    ensureBuilt([
      { dir: 'libs/keymesh-core', name: '@keymesh/core' },
      { dir: 'libs/keymesh-testing', name: '@keymesh/testing' },
      { dir: 'libs/nestjs-keymesh', name: '@keymesh/nestjs' },
    ]),
  180_000,
);

const app = (blockOptionalPeers: string) => `
import 'reflect-metadata';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
if (${JSON.stringify(blockOptionalPeers)}) register(pathToFileURL(${JSON.stringify(blockOptionalPeers)}));
const { NestFactory } = await import('@nestjs/core');
const { Module } = await import('@nestjs/common');
const { KeymeshModule, KeymeshService } = await import('@keymesh/nestjs');
const { startFakeProvider } = await import('@keymesh/testing');
const { default: OpenAI } = await import('openai');
const key = 'sk-test-process-aaaaaaaaaaaa';
const fake = await startFakeProvider({ provider: 'openai', keys: { [key]: { kind: 'ok' } } });
class AppModule {}
Module({ imports: [KeymeshModule.forRoot({ clients: { openai: { client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys: [key] } } })] })(AppModule);
const nest = await NestFactory.create(AppModule, { logger: false });
await nest.listen(0, '127.0.0.1');
const health = await fetch((await nest.getUrl()) + '/health/keys');
const completion = await nest.get(KeymeshService).client('openai').chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
console.log(JSON.stringify({ health: health.status, text: completion.choices[0].message.content }));
await nest.close();
await fake.close();
// No process.exit(): the parent checks that nothing keeps the process alive.
`;

function run(source: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const file = scratchFile(`nest-app-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`, source);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      removeScratch(file);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('@keymesh/nestjs in a real process', () => {
  it('serves and then exits by itself after app.close(): no timer or socket left behind', async () => {
    const result = await run(app(''));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ health: 200, text: 'Hello from the fake provider!' });
    // Killed at 15 s otherwise; a leaked keep-alive or interval would hold it far past this.
    expect(result.ms).toBeLessThan(10_000);
  }, 20_000);

  it('works with @nestjs/terminus and @nestjs/event-emitter not installed', async () => {
    const hooks = blockPackagesHook('no-optional-peers.mjs', ['@nestjs/terminus', '@nestjs/event-emitter']);
    try {
      const result = await run(app(hooks));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ health: 200 });
    } finally {
      removeScratch(hooks);
    }
  }, 20_000);
});
