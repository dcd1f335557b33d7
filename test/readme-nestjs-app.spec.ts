import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type ts from 'typescript';
import { startFakeProvider, type FakeProvider } from '@keymesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './built-packages.js';
import { buildPackages, extractBlocks, fileNameOf } from './readme-blocks.js';

/**
 * The @keymesh/nestjs README's "complete service", booted as written: its `app.module.ts` and
 * `main.ts` blocks are compiled as they stand (no edits), run with plain Node against the built
 * packages, pointed at fake providers through the SDKs' own base-URL variables, asked for
 * /health/keys and /chat, then stopped with SIGTERM.
 */
const README = 'libs/nestjs-keymesh/README.md';
const OPENAI_KEYS = ['sk-test-readme-nest-aaaaaaaaaaaa', 'sk-test-readme-nest-bbbbbbbbbbbb'];
const ANTHROPIC_KEY = 'sk-ant-test-readme-nest-cccccccccccc';
const dir = join(root, 'node_modules', '.cache', 'keymesh-readme-nest-app');

let openai: FakeProvider;
let anthropic: FakeProvider;

beforeAll(async () => {
  buildPackages();
  openai = await startFakeProvider({ provider: 'openai', keys: { [OPENAI_KEYS[0]!]: { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, [OPENAI_KEYS[1]!]: { kind: 'ok' } } });
  anthropic = await startFakeProvider({ provider: 'anthropic', keys: { [ANTHROPIC_KEY]: { kind: 'ok' } } });
}, 300_000);

afterAll(async () => {
  await openai?.close();
  await anthropic?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The README's named blocks, compiled one by one as a Nest CLI build would (decorators and their metadata). */
function writeReadmeApp(): string[] {
  const typescript = createRequire(join(root, 'package.json'))('typescript') as typeof ts;
  const named = extractBlocks(README, readFileSync(join(root, README), 'utf8')).filter((block) => fileNameOf(block) !== undefined);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  for (const block of named) {
    const { outputText } = typescript.transpileModule(block.code, {
      fileName: fileNameOf(block),
      compilerOptions: { target: typescript.ScriptTarget.ES2022, module: typescript.ModuleKind.ESNext, experimentalDecorators: true, emitDecoratorMetadata: true },
    });
    writeFileSync(join(dir, fileNameOf(block)!.replace(/\.ts$/, '.js')), outputText);
  }
  return named.map((block) => fileNameOf(block)!);
}

describe('the @keymesh/nestjs README service', () => {
  it('starts as written, serves /health/keys and /chat through the pool, and stops on SIGTERM', async () => {
    expect(writeReadmeApp()).toEqual(['app.module.ts', 'main.ts']);
    const child = spawn(process.execPath, [join(dir, 'main.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        OPENAI_API_KEYS: OPENAI_KEYS.join(','),
        ANTHROPIC_API_KEYS: ANTHROPIC_KEY,
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_BASE_URL: anthropic.url,
        PORT: '0',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening on" line within 30 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 30_000);
        child.stdout.on('data', () => {
          const match = /listening on (http:\/\/\S+)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!.replace('[::1]', '127.0.0.1'));
          }
        });
        void exited.then(({ code }) => reject(new Error(`exited with ${code} before listening\nstdout: ${stdout}\nstderr: ${stderr}`)));
      });
      expect(new URL(url).hostname).toBe('127.0.0.1');

      const health = await fetch(`${url}/health/keys`);
      expect(health.status).toBe(200);
      expect(health.headers.get('cache-control')).toBe('no-store');
      const report = (await health.json()) as { status: string; pools: Record<string, { keys: unknown[] }> };
      expect(report.status).toBe('up');
      expect(Object.keys(report.pools)).toEqual(['openai', 'anthropic']);

      // The first key answers 429: the pool moves the request to the second at once.
      const chat = await fetch(`${url}/chat`);
      expect(chat.status).toBe(200);
      expect(await chat.text()).toBe('Hello from the fake provider!');
      expect(openai.countFor(OPENAI_KEYS[0])).toBe(1);
      expect(openai.countFor(OPENAI_KEYS[1])).toBe(1);

      const pools = await (await fetch(`${url}/chat/pools`)).text();
      for (const secret of [...OPENAI_KEYS, ANTHROPIC_KEY]) expect(pools).not.toContain(secret);
    } finally {
      child.kill('SIGTERM');
    }
    // Nest's shutdown hooks close the app, then re-raise the signal: the process ends by SIGTERM, not a crash.
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(stderr).toBe('');
  }, 60_000);
});
