// What sharing state through Redis (@keymesh/redis) costs: time added to each request on the
// success path, and how long a key's change takes to reach another process (another store, on
// its own connections). Needs Redis at REDIS_URL (default redis://127.0.0.1:6379); without one
// it prints a notice and returns nulls. Run: npm run build && node bench/redis.mjs
import { KeyPool } from '@keymesh/core';
import { pathToFileURL } from 'node:url';

const iterations = 100_000;
const runs = 7;
const samples = 1_000;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const shownUrl = redisUrl.replace(/(\/\/)[^@/]*@/, '$1***@');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];
const keys = Array.from({ length: 3 }, (_, i) => `sk-bench-redis-${i}-xxxxxxxxxxxxxxxxxxxx`);
const attempt = (key) => key.id;

/** The package by name once it is a workspace; its build by path until then. */
async function redisPackage() {
  try {
    return await import('@keymesh/redis');
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('@keymesh/redis')) throw error;
    return import(new URL('../libs/keymesh-redis/dist/index.js', import.meta.url).href);
  }
}

async function nsPerCall(pool) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await pool.execute(attempt);
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Success path: the same pool with the default in-memory store and with a RedisStore, measured in alternation. */
async function overhead(RedisStore, prefix) {
  const store = new RedisStore({ url: redisUrl, prefix, logger: false });
  const local = new KeyPool({ name: 'bench', keys });
  const shared = new KeyPool({ name: 'bench', keys, store });
  await local.execute(attempt);
  await shared.execute(attempt);
  const memory = [];
  const redis = [];
  for (let r = 0; r < runs; r++) {
    memory.push(await nsPerCall(local));
    redis.push(await nsPerCall(shared));
  }
  await Promise.all([local.close(), shared.close()]);
  await store.close();
  return { memoryNs: median(memory), redisNs: median(redis) };
}

/** A state saved through one store until a pool listening on another store hears it. */
async function propagation(RedisStore, prefix) {
  const writer = new RedisStore({ url: redisUrl, prefix, logger: false });
  const reader = new RedisStore({ url: redisUrl, prefix, logger: false });
  let heard;
  reader.subscribe('bench', (_keyId, state) => heard?.(state.updatedAt));
  await Promise.all([writer.load('bench', ['k']), reader.load('bench', ['k'])]);
  const delays = [];
  const base = Date.now();
  for (let i = 0; i < samples + 50; i++) {
    const updatedAt = base + i;
    const arrived = new Promise((resolve) => (heard = (at) => at === updatedAt && resolve()));
    const start = process.hrtime.bigint();
    writer.save('bench', 'k', { cooldownUntil: updatedAt + 60_000, breaker: 'closed', openUntil: 0, consecutiveFailures: 1, disabled: null, updatedAt, source: 'bench' });
    await arrived;
    if (i >= 50) delays.push(Number(process.hrtime.bigint() - start) / 1e6); // the first 50 warm up
  }
  await Promise.all([writer.close(), reader.close()]);
  return { p50: percentile(delays, 50), p99: percentile(delays, 99) };
}

async function clean(prefix) {
  const { createClient } = await import('redis');
  const client = createClient({ url: redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (batch.length) await client.del(batch);
  await client.close();
}

/** Runs the benchmark, prints a table, and returns the figures (nulls when no Redis is reachable). */
export async function run() {
  const { RedisStore } = await redisPackage();
  const prefix = `keymesh-bench:${process.pid}:${Date.now()}:`;
  const probe = new RedisStore({ url: redisUrl, prefix, logger: false, connectTimeoutMs: 1_000 });
  const reachable = await probe.load('probe', ['k']).then(() => true, () => false);
  await probe.close();
  if (!reachable) {
    console.log(`@keymesh/redis: skipped, no Redis at ${shownUrl} (set REDIS_URL)`);
    return { overheadNsPerRequest: null, propagationMsP50: null, propagationMsP99: null };
  }
  try {
    const { memoryNs, redisNs } = await overhead(RedisStore, prefix);
    const { p50, p99 } = await propagation(RedisStore, prefix);
    // The success path makes no store call, so the difference is run-to-run noise around zero; never reported below it.
    const result = { overheadNsPerRequest: Math.max(0, Math.round(redisNs - memoryNs)), propagationMsP50: Number(p50.toFixed(3)), propagationMsP99: Number(p99.toFixed(3)) };
    console.log('@keymesh/redis                              ');
    console.log(`  success path, in-memory store        ${memoryNs.toFixed(0).padStart(8)} ns/request`);
    console.log(`  success path, RedisStore             ${redisNs.toFixed(0).padStart(8)} ns/request`);
    console.log(`  added by RedisStore                  ${String(result.overheadNsPerRequest).padStart(8)} ns/request`);
    console.log(`  change → another process, p50        ${p50.toFixed(3).padStart(8)} ms`);
    console.log(`  change → another process, p99        ${p99.toFixed(3).padStart(8)} ms`);
    console.log(`  (${shownUrl}; ${iterations} calls x ${runs} runs, median; ${samples} changes)`);
    return result;
  } finally {
    await clean(prefix);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
