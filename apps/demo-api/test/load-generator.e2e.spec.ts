import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../src/bootstrap.js';
import { startFakeUpstream } from '../src/upstream/fake-upstream.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import { ROTATING_SCRIPT } from './helpers/scripts.js';
import { TEST_POOL } from './helpers/test-demo.js';

const LOAD = fileURLToPath(new URL('../scripts/load.mjs', import.meta.url));

/** Runs `npm run demo:load` the way npm does (plain node, stdout and stderr not a TTY). */
function load(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [LOAD, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run demo:load', () => {
  let demo: RunningDemo;
  let url: string;
  beforeAll(async () => {
    demo = await startDemo({ port: 0, logger: new CapturingLogger(), upstream: await startFakeUpstream(ROTATING_SCRIPT, { poolDefaults: TEST_POOL }) });
    url = `http://127.0.0.1:${new URL(demo.url).port}`;
  });
  afterAll(() => demo?.close());

  it('sends the requests asked for and ends with a summary: no 429 seen, the rotations behind them, latencies', async () => {
    const { code, stdout, stderr } = await load(['--url', url, '-n', '30', '-c', '4']);
    expect(code).toBe(0);
    const all = stdout.split('\n').find((line) => line.startsWith('all '))!.trim().split(/\s+/);
    // provider, requests, ok, 429 seen, other errors, p50, p95
    expect(all.slice(0, 5)).toEqual(['all', '30', '30', '0', '0']);
    expect(Number(all[5])).toBeGreaterThan(0);
    expect(stdout).toMatch(/^openai\s+10\s+10\s+0\s+0/m);
    expect(stdout).toContain('rate-limit answers the callers saw (429, or 503 once no key could serve): 0');
    // Each pool's refused key was passed over at least once.
    expect(Number(/key rotations behind the scenes \(from \/metrics\): (\d+)/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(3);
    // Not a terminal: plain progress lines, no redrawn bar.
    expect(stderr).toContain('demo:load 100%: 30 done · 30 ok');
    expect(stderr).not.toContain('\r');
  });

  it('takes its settings from the environment too, and one provider at a time', async () => {
    const { code, stdout } = await load([], { DEMO_URL: url, DEMO_LOAD_REQUESTS: '6', DEMO_LOAD_CONCURRENCY: '2', DEMO_LOAD_PROVIDER: 'gemini' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^gemini\s+6\s+6\s+0\s+0/m);
    expect(stdout).not.toMatch(/^openai /m);
  });

  it('says what is wrong with its flags, or that the demo is not running', async () => {
    const bad = await load(['--url', url, '-c', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--concurrency must be a positive integer');
    const down = await load(['--url', 'http://127.0.0.1:9', '-n', '1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the demo at http://127.0.0.1:9');
  });
});
