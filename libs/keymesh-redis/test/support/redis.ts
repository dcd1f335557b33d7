import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import type { RedisClient } from '../../src/redis-client.js';

/** The Redis the suite runs against: `REDIS_URL`, or a local one. */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `redis://user:***@host` for messages. */
export const shownUrl = redisUrl.replace(/(\/\/)[^@/]*@/, '$1***@');

async function reachable(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

export const hasRedis = await reachable(redisUrl);

if (!hasRedis) {
  // On a developer machine without Redis the suite is skipped, visibly; CI must have one.
  if (process.env.CI === 'true') throw new Error(`@keymesh/redis tests need Redis at ${shownUrl} (CI=true): start redis-server or set REDIS_URL.`);
  console.warn(`[@keymesh/redis] Redis tests SKIPPED: no Redis at ${shownUrl}. Start redis-server or set REDIS_URL to run them.`);
}

/** A prefix of its own for every test, so tests never see each other's keys and can run in parallel. */
export function uniquePrefix(label = 't'): string {
  return `kmtest:${label}:${randomUUID().slice(0, 8)}:`;
}

/** A connected client for assertions (and for tests that pass their own client). */
export async function connectedClient(url = redisUrl): Promise<RedisClient & ReturnType<typeof createClient>> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client as RedisClient & ReturnType<typeof createClient>;
}

/** Every key under `prefix`, with its type, TTL (ms) and a text dump of its value. */
export async function dumpPrefix(client: RedisClient, prefix: string): Promise<Array<{ key: string; type: string; pttl: number; value: string }>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.sendCommand<[string, string[]]>(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000']);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const dump = [];
  for (const key of keys.sort()) {
    const type = await client.sendCommand<string>(['TYPE', key]);
    const pttl = await client.sendCommand<number>(['PTTL', key]);
    // Flat [member, score, …] and [field, value, …] lists, as RESP2 answers (node-redis 6 speaks RESP3: pairs and maps).
    const value =
      type === 'string' ? await client.sendCommand<string>(['GET', key])
      : type === 'zset' ? JSON.stringify(flatten(await client.sendCommand(['ZRANGE', key, '0', '-1', 'WITHSCORES'])))
      : type === 'hash' ? JSON.stringify(flatten(await client.sendCommand(['HGETALL', key])))
      : `<${type}>`;
    dump.push({ key, type, pttl, value });
  }
  return dump;
}

function flatten(reply: unknown): unknown[] {
  if (Array.isArray(reply)) return reply.flat();
  if (reply instanceof Map) return [...reply].flat();
  return Object.entries(reply as Record<string, unknown>).flat();
}

export async function deletePrefix(client: RedisClient, prefix: string): Promise<void> {
  for (const { key } of await dumpPrefix(client, prefix)) await client.sendCommand(['DEL', key]);
}

/** Polls until `condition` holds; fails after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(2);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error shaped like an SDK's HTTP error. */
export function httpError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, headers });
}

/** A log sink for the store's `logger` option. */
export function logLines(): { lines: string[]; logger: (line: string) => void } {
  const lines: string[] = [];
  return { lines, logger: (line) => void lines.push(line) };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const hasRedisServer = await new Promise<boolean>((resolve) => {
  const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  probe.on('error', () => resolve(false));
  probe.on('exit', (code) => resolve(code === 0));
});

/**
 * A redis-server of the test's own, on a free port, without persistence: stopping it (or pausing
 * it) cannot disturb the machine's shared Redis or other tests.
 */
export class PrivateRedis {
  readonly port: number;
  /** Without credentials. */
  readonly url: string;
  /** With the `requirepass` password, when there is one: for the test's own assertions. */
  readonly adminUrl: string;
  readonly #args: readonly string[];
  #process: ChildProcess | undefined;

  private constructor(port: number, options: { password?: string; args?: readonly string[] }) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.adminUrl = options.password === undefined ? this.url : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`;
    this.#args = [...(options.password === undefined ? [] : ['--requirepass', options.password]), ...(options.args ?? [])];
  }

  /** `password` sets `requirepass`; `args` are more redis-server arguments (e.g. `--replicaof`). */
  static async start(options: { password?: string; args?: readonly string[] } = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), options);
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.#args], { stdio: 'ignore' });
    this.#process = child;
    await until(() => reachable(this.adminUrl), 5_000, `redis-server on port ${this.port}`);
  }

  /** Kills it the hard way (no goodbye to clients), and waits until the port is closed. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  /** Freezes it: connections stay open, nothing is answered. */
  pause(): void {
    this.#process?.kill('SIGSTOP');
  }

  resume(): void {
    this.#process?.kill('SIGCONT');
  }
}
