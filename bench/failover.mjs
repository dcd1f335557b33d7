// Benchmark 2: failover when 2 of 3 keys answer 429, with default options.
//
// - Wall time a request gains when its first two attempts get 429 and the third key answers
//   (target: no sleep at all while a key is ready), against a request on a pool whose keys all
//   answer; both pools long-lived, timed request by request, interleaved.
// - CPU per failed attempt (target ≤ 2 µs): process.cpuUsage over batches of such requests, minus
//   batches on the healthy pool, divided by the failed attempts. With the default classifier, with
//   a listener on every event (what @keymesh/nestjs does), and with the classification handed over
//   (the pool's own work).
// - What later requests pay: a 429 sidelines its key until the hint, so requests that follow go
//   straight to the healthy key.
//
// Every request must meet both 429s, so after each one the public `enableKey` puts the two keys
// back into rotation (closed breaker, no cooldown), on the healthy pool too, so that its cost
// cancels out; what remains per failure includes the key's return to rotation, which a sidelined
// key always goes through. The pools are long-lived (warmed up, then a full GC), as a service's
// pool is: measuring on fresh pools would mostly measure cold caches.
//
// The 429s are pre-built errors shaped like the OpenAI SDK's (status 429, a Headers object with
// retry-after and x-ratelimit-* headers), so the upstream's cost of making them is not counted.
// Needs --expose-gc (run.mjs passes it); started without it, the script re-runs itself with it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KeyPool } from '@keymesh/core';
import { cpuMicros, finish, fmt, median, quantile, table, target } from './harness.mjs';

if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const quick = process.env.BENCH_QUICK === '1';
const trials = quick ? 5_000 : 20_000;
const batches = quick ? 3 : 9;
const perBatch = 2_000;
const laterRequests = quick ? 20_000 : 100_000;

let poolSerial = 0;
const secretsOf = (n, tag) => Array.from({ length: n }, (_, i) => `sk-failover-${tag}-${String(i).padStart(6, '0')}-xxxxxxxxxxxx`);
const eventNames = [
  'request.succeeded', 'request.failed', 'request.retried', 'key.rotated', 'key.rate_limited', 'key.disabled',
  'key.enabled', 'circuit.opened', 'circuit.half_opened', 'circuit.closed', 'pool.exhausted',
];

function rateLimitError() {
  const headers = new Headers({
    'retry-after': '1',
    'x-ratelimit-limit-requests': '500',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': '1s',
  });
  return Object.assign(new Error('429 Rate limit reached for requests'), { status: 429, headers });
}

/**
 * An upstream where the keys in `limitedIds` answer 429. It answers after one `await`, as a real
 * one does: an async function that throws before anyone awaits it also pays for Node's
 * unhandled-rejection bookkeeping (about 0.8 µs here), which a network call never does.
 */
function upstream(limitedIds) {
  const error = rateLimitError();
  let calls = 0;
  const attempt = async (key) => {
    calls++;
    await null;
    if (limitedIds.has(key.id)) throw error;
    return 'ok';
  };
  return { attempt, calls: () => calls };
}

/** The system clock, counting the timers the pool arms while `counting` is on: a sleep would show up here. */
let counting = false;
const timersArmed = [];
const countingClock = {
  now: Date.now,
  setTimeout: (callback, ms) => {
    if (counting) timersArmed.push(ms);
    return setTimeout(callback, ms);
  },
  clearTimeout: (handle) => clearTimeout(handle),
};

/** The verdict the default classifier reaches for these 429s, handed over directly: isolates the pool's own work. */
const fixedVerdict = () => ({ kind: 'rate_limited', status: 429, retryAfterMs: 1_000 });

/** A long-lived default pool of `size` keys (ids k0, k1, …: least-used ties go in key order, so k0 and k1 are tried first). */
function makePool({ listen = false, classify, size = 3 } = {}) {
  const secrets = secretsOf(size, `${poolSerial++}`);
  const pool = new KeyPool({ keys: secrets.map((secret, k) => ({ id: `k${k}`, secret })), clock: countingClock, ...(classify ? { classify } : {}) });
  if (listen) for (const name of eventNames) pool.on(name, () => {});
  return pool;
}

/** One request, then k0 and k1 back into rotation; returns the ns of the request alone. */
async function oneRequest(pool, attempt) {
  const start = process.hrtime.bigint();
  await pool.execute(attempt);
  const ns = Number(process.hrtime.bigint() - start);
  pool.enableKey('k0');
  pool.enableKey('k1');
  return ns;
}

async function warmUp(pool, attempt) {
  for (let i = 0; i < 5_000; i++) await oneRequest(pool, attempt);
  globalThis.gc();
}

async function wallTime() {
  const limited = upstream(new Set(['k0', 'k1']));
  const clean = upstream(new Set());
  const failing = makePool();
  const healthy = makePool();
  await warmUp(failing, limited.attempt);
  await warmUp(healthy, clean.attempt);
  const failover = [];
  const plain = [];
  const callsBefore = limited.calls();
  counting = true;
  for (let i = 0; i < trials; i++) {
    failover.push(await oneRequest(failing, limited.attempt));
    plain.push(await oneRequest(healthy, clean.attempt));
  }
  counting = false;
  return {
    attemptsPerRequest: (limited.calls() - callsBefore) / failover.length,
    timersArmed: timersArmed.length,
    failoverMedianNs: median(failover),
    cleanMedianNs: median(plain),
    addedMedianNs: median(failover) - median(plain),
    failoverP99Ns: quantile(failover, 0.99),
    failoverMaxNs: Math.max(...failover),
  };
}

async function cpuPerFailedAttempt(options) {
  const limited = upstream(new Set(['k0', 'k1']));
  const clean = upstream(new Set());
  const failing = makePool(options);
  const healthy = makePool(options);
  await warmUp(failing, limited.attempt);
  await warmUp(healthy, clean.attempt);
  const batch = (pool, attempt) =>
    cpuMicros(async () => {
      for (let i = 0; i < perBatch; i++) await oneRequest(pool, attempt);
    });
  const perFailure = [];
  for (let b = 0; b < batches; b++) {
    const before = limited.calls();
    const failingMicros = await batch(failing, limited.attempt);
    const failedAttempts = limited.calls() - before - perBatch; // every request ends with one success
    const plainMicros = await batch(healthy, clean.attempt);
    perFailure.push(((failingMicros - plainMicros) / failedAttempts) * 1000);
  }
  return { ns: median(perFailure), runs: perFailure };
}

/** After the first request, both 429 keys are sidelined: later requests go straight to the third key. */
async function laterRequestsCost() {
  const limited = upstream(new Set(['k0', 'k1']));
  const clean = upstream(new Set());
  const failing = makePool();
  const single = makePool({ size: 1 }); // the same strategy work: one ready key
  await failing.execute(limited.attempt); // the one request that meets the 429s and sidelines both keys
  const perRun = Math.floor(laterRequests / batches);
  const loop = async (pool, attempt) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRun; i++) await pool.execute(attempt);
    return Number(process.hrtime.bigint() - start) / perRun;
  };
  await loop(failing, limited.attempt);
  await loop(single, clean.attempt);
  const callsBefore = limited.calls();
  const samples = [];
  for (let run = 0; run < batches; run++) samples.push((await loop(failing, limited.attempt)) - (await loop(single, clean.attempt)));
  return { addedNs: median(samples), attemptsPerRequest: (limited.calls() - callsBefore) / (batches * perRun) };
}

const wall = await wallTime();
const cpu = await cpuPerFailedAttempt({});
const cpuListening = await cpuPerFailedAttempt({ listen: true });
const cpuPoolOnly = await cpuPerFailedAttempt({ classify: fixedVerdict });
const later = await laterRequestsCost();

const tables = [
  table(
    '2. Failover: 2 of 3 keys answer 429 (default options, real clock)',
    ['measure', 'value', 'target'],
    [
      ['upstream attempts per failover request (two 429s, then the answer)', wall.attemptsPerRequest.toFixed(2), '3.00'],
      ['wall time of a request meeting two 429s, median', `${fmt.us(wall.failoverMedianNs / 1000)} µs`, ''],
      ['wall time of a request on healthy keys, median', `${fmt.us(wall.cleanMedianNs / 1000)} µs`, ''],
      ['wall time added by the two failovers, median', `${fmt.us(wall.addedMedianNs / 1000)} µs`, 'no sleep'],
      ['timers armed by the pool during those requests (a sleep would arm one)', fmt.int(wall.timersArmed), '0'],
      ['failover request p99 / max (the max is a GC pause or preemption)', `${fmt.us(wall.failoverP99Ns / 1000)} / ${fmt.us(wall.failoverMaxNs / 1000)} µs`, ''],
      ['CPU per failed attempt (default classifier, SDK-style Headers)', `${fmt.us(cpu.ns / 1000)} µs`, '≤ 2 µs'],
      ['  … the same with a listener on every event', `${fmt.us(cpuListening.ns / 1000)} µs`, '≤ 2 µs'],
      ['  … the pool\'s own work (classify returns the verdict; no header parsing)', `${fmt.us(cpuPoolOnly.ns / 1000)} µs`, '≤ 2 µs'],
      ['later requests: upstream attempts per request', later.attemptsPerRequest.toFixed(3), '1.000 (sidelined keys skipped)'],
      ['later requests: ns added over a pool of one healthy key', fmt.ns(later.addedNs), ''],
    ],
    `Long-lived pools; after every request enableKey puts k0 and k1 back (on the healthy pool too), so every measured request meets both 429s (${fmt.int(trials)} requests). The 429s carry retry-after: 1 and x-ratelimit-* headers as OpenAI sends them. CPU: median of ${batches} batches of ${fmt.int(perBatch)} requests.`,
  ),
];

const targets = [
  target('failover-sleep', '2. failover: wall time added by two 429s before a success', 'no sleep', `${fmt.us(wall.addedMedianNs / 1000)} µs (median), ${wall.timersArmed} timers armed`,
    wall.timersArmed === 0 && wall.addedMedianNs < 1_000_000, `${wall.timersArmed} timers armed`),
  target('failover-cpu', '2. CPU per failed attempt (default classifier, SDK-style Headers)', '≤ 2 µs', `${fmt.us(cpu.ns / 1000)} µs (${fmt.us(cpuListening.ns / 1000)} µs with listeners)`,
    cpu.ns <= 2000 && cpuListening.ns <= 2000, `+${fmt.us((Math.max(cpu.ns, cpuListening.ns) - 2000) / 1000)} µs`),
  target('failover-cpu-pool', '2. CPU per failed attempt: the pool\'s own work', '≤ 2 µs', `${fmt.us(cpuPoolOnly.ns / 1000)} µs`, cpuPoolOnly.ns <= 2000,
    `+${fmt.us((cpuPoolOnly.ns - 2000) / 1000)} µs`),
];
finish('failover', { wall, cpu, cpuListening, cpuPoolOnly, later, tables, targets });
