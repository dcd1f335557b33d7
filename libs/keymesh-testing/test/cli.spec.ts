import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { envFor, startFakes, startFakeProvider, PLACEHOLDER_KEY } from '../src/index.js';

const pkg = resolve(import.meta.dirname, '..');
const bin = join(pkg, 'dist/cli/bin.js');
const scratch = mkdtempSync(join(tmpdir(), 'keymesh-fakes-'));

// The CLI under test is the built one, as users run it: build it from the current sources first
// (tsc is incremental, so this is quick when nothing changed).
beforeAll(() => {
  const tsc = spawnSync(process.execPath, [join(pkg, '../../node_modules/typescript/bin/tsc'), '-p', join(pkg, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`building @keymesh/testing failed:\n${tsc.stdout}${tsc.stderr}`);
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const running: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** Starts the CLI and resolves with the environment it printed (it prints every line at once, then keeps running). */
function startCli(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; env: Record<string, string> }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'pipe' });
  running.push(child);
  return new Promise((resolvePrinted, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      // The stderr summary comes after every export line.
      if (err.includes('Ctrl-C stops them')) resolvePrinted({ child, env: parseExports(out) });
    });
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`keymesh-fakes exited with ${code}: ${err}`)));
  });
}

function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.trim().split('\n')) {
    const match = /^export ([A-Z_]+)='(.*)'$/.exec(line);
    if (!match) throw new Error(`not an export line: ${line}`);
    env[match[1]] = match[2];
  }
  return env;
}

/** Runs `fn` with `env` in process.env, as a shell that sourced the export lines would. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const exited = (child: ChildProcessWithoutNullStreams) => new Promise<number | null>((done) => child.on('exit', (code) => done(code)));

describe('keymesh-fakes CLI', () => {
  it('prints the SDKs’ own environment variables; the real SDKs, configured by them alone, reach the fakes', async () => {
    const { child, env } = await startCli(['--keys', 'sk-test-a,sk-test-b']);
    expect(Object.keys(env)).toEqual([
      'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY',
      'GOOGLE_GEMINI_BASE_URL', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI',
    ]);
    expect(env['OPENAI_BASE_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    await withEnv(env, async () => {
      const chat = await new OpenAI({ maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(chat.choices[0].message.content).toBe('Hello from the fake provider!');
      const message = await new Anthropic({ maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
      expect(message.content[0]).toMatchObject({ type: 'text' });
      const gemini = await new GoogleGenAI({}).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
      expect(gemini.text).toBe('Hello from the fake provider!');
    });
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('runs the quota mode from flags: keys of one --org share its limit, with the provider’s 429', async () => {
    const { env } = await startCli(['--providers', 'openai', '--keys', 'sk-test-a,sk-test-b,sk-test-c', '--org', 'org-team=sk-test-a,sk-test-b', '--rpm', '1', '--tpm', '5000']);
    expect(env['ANTHROPIC_BASE_URL']).toBeUndefined();
    const ask = (apiKey: string) =>
      withEnv(env, () => new OpenAI({ apiKey, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).withResponse());
    const first = await ask('sk-test-a');
    // 'hi' in one user message: 17 characters (keys included), 5 tokens, plus max_tokens 10.
    expect(first.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(5_000 - 15));
    const err = await ask('sk-test-b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as Error).message).toContain('Rate limit reached for gpt-4o in organization org-team on requests per min (RPM): Limit 1, Used 1, Requested 1.');
    await expect(ask('sk-test-c')).resolves.toBeDefined();
  });

  it('takes per-provider options from --config and writes --write-env for node --env-file', async () => {
    const config = join(scratch, 'fakes.json');
    const envFile = join(scratch, 'fakes.env');
    writeFileSync(config, JSON.stringify({ anthropic: { keys: { 'sk-ant-test-sick': { kind: 'status', status: 529 } } } }));
    const { env } = await startCli(['--config', config, '--write-env', envFile]);
    expect(Object.keys(env)).toEqual(['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY']);
    expect(readFileSync(envFile, 'utf8')).toBe(`ANTHROPIC_BASE_URL=${env['ANTHROPIC_BASE_URL']}\nANTHROPIC_API_KEY=sk-ant-test-sick\n`);
    const err = await withEnv(env, () => new Anthropic({ maxRetries: 0 }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(529);
  });

  it.each([
    [['--providers', 'azure'], /--providers: unknown provider azure/],
    [['--rpm', '5'], /quota mode needs the keys it limits: add --keys/],
    [['--keys', 'a', '--org', 'x=b', '--rpm', '1'], /a key of an organisation must be in --keys too/],
    [['--port', 'eighty'], /--port eighty: expected a whole number/],
    [['--colour'], /Unknown option '--colour'/],
  ])('refuses %j with exit status 2 and the fix', (args, message) => {
    const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage: keymesh-fakes');
    expect(result.stdout).toBe('');
  });
});

describe('startFakes and envFor', () => {
  it('start the fakes in-process and give the same environment as the CLI', async () => {
    await using fakes = await startFakes({ openai: true, gemini: { keys: { 'AIza-test-1': { kind: 'ok' } } } });
    expect(fakes.env).toEqual({
      OPENAI_BASE_URL: fakes.openai!.url,
      OPENAI_API_KEY: PLACEHOLDER_KEY,
      GOOGLE_GEMINI_BASE_URL: fakes.gemini!.url,
      GEMINI_API_KEY: 'AIza-test-1',
      GOOGLE_API_KEY: 'AIza-test-1',
      GOOGLE_GENAI_USE_VERTEXAI: 'false',
    });
    expect(fakes.anthropic).toBeUndefined();
    await withEnv(fakes.env, () => new OpenAI({ maxRetries: 0 }).models.list());
    expect(fakes.openai!.requests).toHaveLength(1);
    expect(envFor(fakes.openai!)).toEqual({ OPENAI_BASE_URL: fakes.openai!.url, OPENAI_API_KEY: PLACEHOLDER_KEY });
  });

  it('refuse no providers, unknown providers and the http fake', async () => {
    await expect(startFakes({})).rejects.toThrow(/name at least one provider/);
    await expect(startFakes({ azure: true } as never)).rejects.toThrow(/unknown provider\(s\) azure/);
    const http = await startFakeProvider({ provider: 'http' });
    expect(() => envFor(http)).toThrow(/http fake has no SDK environment variables/);
    await http.close();
  });
});
