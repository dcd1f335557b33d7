// Benchmark 8: the wait queue, fast refusal and the retry budget (issue 15), in virtual time.
//
// The same two situations as 7b and 7c of quota-admission.mjs, but with the provider simulated in
// the pool's own injectable clock, so the figures say what the pool decides, not how a loaded
// machine schedules sockets (on a busy machine the socket runs of 7b/7c spend seconds before a
// request reaches the fake; here every run takes about a second and is deterministic).
//
// - overload: 10 keys, each 10 requests a one-second fixed window (staggered per key, as the quota
//   fake's organisations are), answers after 40 ms (a 429 after 5 ms, with the window's reset as
//   `retry-after-ms` and OpenAI's x-ratelimit-* headers on every answer). Callers arrive as a
//   Poisson stream at 1.5× the capacity (150 a second) for 30 s, `retry.budgetMs` 2 s, and give up
//   after 3 s (their AbortSignal). Measured after a 5 s warm-up, until the load stops. Pool with
//   the default `overload` option against the same pool with `overload: false`.
// - outage: 10 keys, 40 callers a second; every upstream call answers 503 for 3 s after 1 s, then
//   the provider recovers. Default retry budget against `retry.budget: false`.
//
// Run: `npm run build -w @keymesh/core && node bench/overload.mjs [overload|outage]`.
import { KeyPool, isPoolExhaustedError } from '@keymesh/core';
import { VirtualClock, finish, fmt, seededRandom, table, target } from './harness.mjs';
import { callers as callersOf } from './quota-driver.mjs';

const windowMs = 1_000;
const perKey = 10;
const keyCount = 10;
const latencyMs = 40;
const rejectMs = 5;
const deadlineMs = 3_000;
const asDuration = (ms) => `${(Math.max(0, ms) / 1000).toFixed(3)}s`;

/** A provider with a fixed window per key, like @keymesh/testing's quota mode; `down` answers 503. */
class Provider {
  constructor(clock, t0, limit) {
    this.clock = clock;
    this.t0 = t0;
    this.keys = Array.from({ length: keyCount }, (_, i) => ({ limit, phase: (i * windowMs) / keyCount, used: new Map() }));
    this.log = []; // { at, status, caller }
    this.down = false;
  }

  #window(k, now) {
    const index = Math.floor((now - this.t0 - k.phase) / windowMs);
    return { index, resetAt: this.t0 + k.phase + (index + 1) * windowMs };
  }

  async call(keyIndex, ctx, caller) {
    const now = this.clock.now();
    if (this.down) {
      this.log.push({ at: now - this.t0, status: 503, caller });
      await this.clock.sleep(rejectMs);
      throw Object.assign(new Error('503 Service Unavailable'), { status: 503, headers: {} });
    }
    const k = this.keys[keyIndex];
    const { index, resetAt } = this.#window(k, now);
    const used = k.used.get(index) ?? 0;
    const headers = (remaining) => ({
      'x-ratelimit-limit-requests': String(k.limit),
      'x-ratelimit-remaining-requests': String(remaining),
      'x-ratelimit-reset-requests': asDuration(resetAt - this.clock.now()),
    });
    if (used >= k.limit) {
      this.log.push({ at: now - this.t0, status: 429, caller });
      await this.clock.sleep(rejectMs);
      const waitMs = Math.max(0, resetAt - this.clock.now());
      throw Object.assign(new Error('429 Rate limit reached for requests'), { status: 429, headers: { ...headers(0), 'retry-after-ms': String(Math.ceil(waitMs)) } });
    }
    k.used.set(index, used + 1);
    this.log.push({ at: now - this.t0, status: 200, caller });
    await this.clock.sleep(latencyMs);
    ctx.observe(headers(k.limit - used - 1));
    return 'ok';
  }

  /** Requests the keys can take in [from, to) (ms into the run): their windows follow each other without gaps. */
  capacity(from, to) {
    return this.keys.reduce((n, k) => n + (k.limit * (to - from)) / windowMs, 0);
  }
}

/** Open-loop Poisson callers at `perSecond` for `durationMs`; each gives up after `deadlineMs`. */
async function offer({ perSecond, durationMs, limit, poolOptions, hooks = {}, seed = 1 }) {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const provider = new Provider(clock, t0, limit);
  const pool = new KeyPool({
    name: 'overload',
    keys: Array.from({ length: keyCount }, (_, i) => ({ id: `k${i}`, secret: `sk-test-overload-${i}-xxxxxxxxxxxx` })),
    clock,
    random: seededRandom(11 * seed),
    ...poolOptions,
  });
  const exhausted = [];
  pool.on('pool.exhausted', (event) => exhausted.push(event));
  const results = [];
  const arrivals = seededRandom(3 * seed);
  for (let at = 0, n = 0; ; n++) {
    at += -Math.log(1 - arrivals()) * (1_000 / perSecond);
    if (at >= durationMs) break;
    const caller = n;
    const startAt = Math.round(at);
    clock.setTimeout(() => {
      const controller = new AbortController();
      const timer = clock.setTimeout(() => controller.abort(new Error('deadline')), deadlineMs);
      const result = { caller, at: startAt, start: startAt, ms: NaN, ok: false, kind: '' };
      results.push(result);
      pool
        .execute((key, ctx) => provider.call(Number(key.id.slice(1)), ctx, caller), { signal: controller.signal })
        .then(
          () => (result.ok = true),
          (error) => (result.kind = isPoolExhaustedError(error) ? `refused (${error.reason})` : controller.signal.aborted ? 'deadline' : `http ${error?.status}`),
        )
        .finally(() => {
          clock.clearTimeout(timer);
          result.ms = clock.now() - t0 - startAt;
        });
    }, startAt);
  }
  for (const [atMs, hook] of Object.entries(hooks)) clock.setTimeout(() => hook(pool, provider), Number(atMs));
  await clock.run();
  await pool.close();
  return { results, provider, exhausted };
}

// ---- overload -------------------------------------------------------------------------------------

async function overload() {
  const durationMs = 30_000;
  const warmupMs = 5_000;
  const budgetMs = 2_000;
  const runs = {};
  for (const [name, overloadOption] of [['keymesh', undefined], ['overload: false', false]]) {
    const poolOptions = { retry: { budgetMs }, ...(overloadOption === undefined ? {} : { overload: overloadOption }) };
    const { results, provider } = await offer({ perSecond: 1.5 * perKey * keyCount, durationMs, limit: perKey, poolOptions });
    const inRun = results.filter((r) => r.at >= warmupMs && r.at < durationMs - deadlineMs);
    const served = provider.log.filter((r) => r.status === 200 && r.at >= warmupMs && r.at < durationMs).length;
    const upstreamCalls = provider.log.filter((r) => r.at >= warmupMs && r.at < durationMs);
    runs[name] = {
      callers: callersOf(inRun),
      share: served / provider.capacity(warmupMs, durationMs),
      limited: upstreamCalls.filter((r) => r.status === 429).length / upstreamCalls.length,
      perCaller: upstreamCalls.length / results.filter((r) => r.at >= warmupMs && r.at < durationMs).length,
    };
  }
  const k = runs.keymesh;
  const off = runs['overload: false'];
  const refusedGoal = 100;
  const servedGoal = 250;
  return {
    tables: [
      table(
        `10a. Overload in virtual time: capacity ${perKey * keyCount} requests/s (${keyCount} keys × ${perKey} a ${windowMs / 1000} s window), offered 1.5× as a Poisson stream, retry.budgetMs ${budgetMs / 1000} s, ${durationMs / 1000} s (first ${warmupMs / 1000} s not counted)`,
        ['', 'keymesh (default overload)', 'overload: false'],
        [
          ['served upstream / capacity', fmt.pct(k.share), fmt.pct(off.share)],
          ['callers served', fmt.pct(k.callers.served / k.callers.count), fmt.pct(off.callers.served / off.callers.count)],
          ['served p50 / p95 (ms)', `${fmt.ms(k.callers.p50)} / ${fmt.ms(k.callers.p95)}`, `${fmt.ms(off.callers.p50)} / ${fmt.ms(off.callers.p95)}`],
          ['failed callers: time to learn it, p50 (ms)', fmt.ms(k.callers.failedP50), fmt.ms(off.callers.failedP50)],
          ['upstream answers 429', fmt.pct(k.limited), fmt.pct(off.limited)],
          ['upstream calls per caller', k.perCaller.toFixed(2), off.perCaller.toFixed(2)],
          ['failures', k.callers.failures, off.callers.failures],
        ],
        `Answers take ${latencyMs} ms; callers give up after ${deadlineMs / 1000} s. Callers counted: those that arrived after the warm-up and at least ${deadlineMs / 1000} s before the load stopped.`,
      ),
    ],
    targets: [
      target('overload-virtual-capacity', '10a. overload (virtual time): served / capacity', '≥ 95 %', fmt.pct(k.share), k.share >= 0.95, fmt.pct(0.95 - k.share)),
      target('overload-virtual-refused', '10a. overload (virtual time): refused callers learn it (median)', `≤ ${refusedGoal} ms`, `${fmt.ms(k.callers.failedP50)} ms`, !(k.callers.failedP50 > refusedGoal), `${fmt.ms(k.callers.failedP50 - refusedGoal)} ms`),
      target('overload-virtual-served-p50', '10a. overload (virtual time): served callers p50', `≤ ${servedGoal} ms`, `${fmt.ms(k.callers.p50)} ms`, k.callers.p50 <= servedGoal, `${fmt.ms(k.callers.p50 - servedGoal)} ms`),
    ],
  };
}

// ---- outage ---------------------------------------------------------------------------------------

async function outage() {
  const perSecond = 40;
  const before = 1_000;
  const outageMs = 3_000;
  const after = 2_000;
  const firstAfter = 20;
  const runs = {};
  for (const [name, budget] of [['keymesh', undefined], ['retry.budget: false', false]]) {
    let sidelined;
    const { results, provider } = await offer({
      perSecond,
      durationMs: before + outageMs + after,
      limit: 1_000,
      poolOptions: { retry: { budget } },
      hooks: {
        [before]: (_, p) => (p.down = true),
        [before + outageMs]: (pool, p) => {
          p.down = false;
          sidelined = pool.snapshot().keys.filter((key) => key.state !== 'closed' || !key.available).length;
        },
      },
    });
    const calls = new Map();
    for (const r of provider.log) calls.set(r.caller, [...(calls.get(r.caller) ?? []), r]);
    const during = results.filter((r) => r.at >= before && r.at < before + outageMs);
    const next = results.filter((r) => r.at >= before + outageMs).sort((a, b) => a.at - b.at).slice(0, firstAfter);
    runs[name] = {
      perRequest: during.reduce((n, r) => n + (calls.get(r.caller)?.length ?? 0), 0) / during.length,
      // Of those calls, the retries that reached the provider once it was back (and were answered).
      afterRecovery: during.reduce((n, r) => n + (calls.get(r.caller) ?? []).filter((c) => c.at >= before + outageMs).length, 0) / during.length,
      sidelined,
      nextServed: next.filter((r) => r.ok).length,
      firstAttempt: next.filter((r) => r.ok && calls.get(r.caller)?.length === 1).length,
      during: callersOf(during),
    };
  }
  const k = runs.keymesh;
  const off = runs['retry.budget: false'];
  const firstOk = k.firstAttempt === firstAfter;
  return {
    tables: [
      table(
        `10b. Outage in virtual time: ${keyCount} keys, ${perSecond} requests/s; every call answers 503 for ${outageMs / 1000} s after ${before / 1000} s, then the provider recovers (${after / 1000} s more)`,
        ['', 'keymesh (default retry budget)', 'retry.budget: false'],
        [
          ['upstream calls per request during the outage', k.perRequest.toFixed(3), off.perRequest.toFixed(3)],
          ['… of which retries sent after the recovery', k.afterRecovery.toFixed(3), off.afterRecovery.toFixed(3)],
          ['keys sidelined when the provider recovers', String(k.sidelined), String(off.sidelined)],
          [`first ${firstAfter} requests after recovery: served on their first attempt`, `${k.firstAttempt} / ${firstAfter}`, `${off.firstAttempt} / ${firstAfter}`],
          ['failed during the outage: time to learn it, p50 (ms)', fmt.ms(k.during.failedP50), fmt.ms(off.during.failedP50)],
        ],
        'Requests during the outage are those started while it lasted; their upstream calls include retries made after it ended.',
      ),
    ],
    targets: [
      target('outage-virtual-calls', '10b. outage (virtual time): upstream calls per request during the outage', '≤ 1.3', k.perRequest.toFixed(3), k.perRequest <= 1.3, (k.perRequest - 1.3).toFixed(3)),
      target('outage-virtual-sidelined', '10b. outage (virtual time): keys sidelined when the provider recovers', '0', String(k.sidelined), k.sidelined === 0, `${k.sidelined} keys`),
      target('outage-virtual-recovery', `10b. outage (virtual time): first ${firstAfter} requests after recovery succeed on their first attempt`, `${firstAfter} / ${firstAfter}`, `${k.firstAttempt} / ${firstAfter}`, firstOk, `${firstAfter - k.firstAttempt} did not`),
    ],
  };
}

const scenarios = { overload, outage };
const only = process.argv.slice(2);
const part = { tables: [], targets: [] };
for (const [name, scenario] of Object.entries(scenarios)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const { tables, targets } = await scenario();
  part.tables.push(...tables);
  part.targets.push(...targets);
}
for (const t of part.targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.what}: ${t.measured} (target ${t.goal})`);
finish('overload', part);
