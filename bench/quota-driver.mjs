// Shared by the quota benchmarks (quota-limits.mjs, quota-admission.mjs): a provider-shaped fake
// (@keymesh/testing's quota mode) on a real socket, the two subjects every scenario compares —
// a Keymesh pool (`createKeymesh` around the real OpenAI SDK) and plain SDK clients (one per key,
// round-robin, the SDK's own retries on) — an open-loop load generator, and the tallies the
// scenarios report. Each subject gets a fresh fake with the same quota, so neither eats the
// other's limits, and both run in the same process one after the other.
//
// Runs against the BUILT packages: `npm run build -w @keymesh/core -w @keymesh/testing` first.
import { cpus, loadavg } from 'node:os';
import OpenAI from 'openai';
import { createKeymesh, isPoolExhaustedError, keymeshEventNames, poolOf } from '@keymesh/core';
import { startFakeProvider } from '@keymesh/testing';
import { finish, fmt, quantile, seededRandom } from './harness.mjs';

export const quick = process.env.BENCH_QUICK === '1';

/** Upstream latency of every answer the fake gives, in ms: "a few upstream latencies" is measured in these. */
export const upstreamLatencyMs = 40;

/** `count` obviously fake keys. */
export const keysOf = (count, tag = 'k') => Array.from({ length: count }, (_, i) => `sk-test-${tag}${String(i).padStart(2, '0')}-quota-bench`);

/** One organisation per key: the usual case, every key its own limits. */
export const ownOrganizations = (keys) => Object.fromEntries(keys.map((key, i) => [`org-${String(i).padStart(2, '0')}`, { keys: [key] }]));

/**
 * Starts the quota fake for one subject (OpenAI wire, `upstreamLatencyMs` per answer). Its
 * `startedAt` anchors the quota windows (see `capacityOf`).
 */
export async function startQuotaFake({ quota, keys = {}, latencyMs = upstreamLatencyMs }) {
  const startedAt = Date.now();
  const fake = await startFakeProvider({ provider: 'openai', latencyMs, quota, keys });
  return Object.assign(fake, { startedAt });
}

/**
 * What `organizations` organisations with `limit` per window can serve in [from, from + durationMs]:
 * the fake's windows follow each other from its start, organisation i of n shifted by i/n of a
 * window, so a run touches a partial window at each end, whose whole limit is available to it.
 */
export function capacityOf({ fake, from, durationMs, windowMs, organizations, limit }) {
  let windows = 0;
  for (let i = 0; i < organizations; i++) {
    const anchor = fake.startedAt + (i / organizations) * windowMs;
    windows += Math.floor((from + durationMs - anchor) / windowMs) - Math.floor((from - anchor) / windowMs) + 1;
  }
  return windows * limit;
}

// ---- subjects ------------------------------------------------------------------------------------

/**
 * A Keymesh pool over the real OpenAI SDK. `keys` are key specs (strings or objects); `events`
 * lists pool events to record (names the built core does not know are skipped, so the bench
 * runs against an engine that does not emit them yet).
 */
export function keymeshSubject(fake, keys, poolOptions = {}, events = []) {
  const client = createKeymesh({ client: new OpenAI({ apiKey: 'unused', baseURL: fake.url }), keys, ...poolOptions });
  const pool = poolOf(client);
  const seen = [];
  for (const name of events) {
    if (keymeshEventNames.includes(name)) pool.on(name, (event) => seen.push({ name, ...event }));
  }
  return {
    name: 'keymesh',
    pool,
    events: seen,
    knows: (name) => keymeshEventNames.includes(name),
    call: (body, options) => client.chat.completions.create(body, options),
    close: () => pool.close(),
  };
}

/** Plain OpenAI clients, one per key, taken round-robin; the SDK retries as it does by default (2 retries). */
export function plainSubject(fake, secrets) {
  const clients = secrets.map((apiKey) => new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 2 }));
  let next = 0;
  return {
    name: 'plain SDK',
    events: [],
    call: (body, options) => clients[next++ % clients.length].chat.completions.create(body, options),
    close: async () => undefined,
  };
}

/**
 * Runs `scenario.run(subject, fake)` for the pool (`scenario.keys`, `scenario.pool` options,
 * recording `scenario.events`) and for plain clients (`scenario.secrets`), each against a fresh
 * fake built from `scenario.fake`; resolves to `{ keymesh, plain }`, what each run returned.
 */
export async function sideBySide(scenario) {
  const out = {};
  for (const kind of ['keymesh', 'plain']) {
    const fake = await startQuotaFake(scenario.fake);
    const subject = kind === 'keymesh' ? keymeshSubject(fake, scenario.keys, scenario.pool, scenario.events) : plainSubject(fake, scenario.secrets);
    try {
      progress(`${scenario.name}: ${subject.name}`);
      out[kind] = await scenario.run(subject, fake);
    } finally {
      await subject.close();
      await fake.close();
    }
  }
  return out;
}

// ---- load ----------------------------------------------------------------------------------------

/** Every call carries its caller's number, so the fake's recordings say which caller each upstream call served. */
const callerHeader = 'x-bench-caller';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Open-loop load: request `i` starts at `i / ratePerSec` seconds whether or not earlier ones have
 * answered (a lagging event loop fires the overdue ones at once), for `durationMs`. Every caller
 * gives up at `deadlineMs` (its AbortSignal), so no caller waits longer than a service would let it.
 * `body(i, random)` builds the chat completion request; `at(ms)` hooks run when that much of the
 * run has passed (an outage starting, say). Resolves once every caller has its answer.
 */
export async function drive(subject, { ratePerSec, durationMs, deadlineMs = 3_000, body, seed = 1, at = {} }) {
  const random = seededRandom(seed);
  const results = [];
  const pending = [];
  const hooks = Object.entries(at).map(([ms, fn]) => ({ ms: Number(ms), fn })).sort((a, b) => a.ms - b.ms);
  const t0 = performance.now();
  const epoch0 = Date.now();
  const total = Math.floor((ratePerSec * durationMs) / 1000);
  for (let i = 0; i < total; i++) {
    const due = (i * 1000) / ratePerSec;
    while (hooks.length > 0 && hooks[0].ms <= due) {
      await sleep(t0 + hooks[0].ms - performance.now());
      hooks.shift().fn();
    }
    const wait = t0 + due - performance.now();
    if (wait > 1) await sleep(wait);
    const request = body(i, random);
    const start = performance.now();
    const record = { i, model: request.model, maxTokens: request.max_tokens ?? 0, start: start - t0, startedAt: epoch0 + (start - t0) };
    results.push(record);
    pending.push(
      subject.call(request, { signal: AbortSignal.timeout(deadlineMs), headers: { [callerHeader]: String(i) } }).then(
        () => Object.assign(record, { ok: true, ms: performance.now() - start }),
        (error) => Object.assign(record, { ok: false, ms: performance.now() - start, ...failureOf(error) }),
      ),
    );
  }
  for (const hook of hooks) {
    await sleep(t0 + hook.ms - performance.now());
    hook.fn();
  }
  await Promise.all(pending);
  return { results, t0: epoch0, seconds: (performance.now() - t0) / 1000 };
}

function failureOf(error) {
  if (isPoolExhaustedError(error)) return { kind: 'refused', status: undefined };
  const status = typeof error?.status === 'number' ? error.status : undefined;
  if (status !== undefined) return { kind: `http ${status}`, status };
  const aborted = error?.name === 'AbortError' || error?.name === 'TimeoutError' || error?.constructor?.name === 'APIUserAbortError';
  return { kind: aborted ? 'deadline' : String(error?.name ?? 'error'), status: undefined };
}

// ---- tallies -------------------------------------------------------------------------------------

/** What the fake saw: upstream calls (optionally only some keys, models or a time range) and their statuses. */
export function upstream(fake, { keys, model, from = -Infinity, to = Infinity } = {}) {
  const wanted = keys ? new Set(keys) : undefined;
  const calls = fake.requests.filter(
    (r) => r.path === '/v1/chat/completions' && (!wanted || wanted.has(r.key)) && (!model || r.body?.model === model) && r.at >= from && r.at < to,
  );
  const limited = calls.filter((r) => r.status === 429).length;
  return { calls: calls.length, limited, limitedShare: calls.length ? limited / calls.length : 0, ok: calls.filter((r) => r.status === 200).length, list: calls };
}

/** Upstream calls per caller number (the `x-bench-caller` header of each call the fake recorded). */
export function callsByCaller(fake) {
  const calls = new Map();
  for (const r of fake.requests) {
    const caller = Number(r.headers[callerHeader]);
    if (!Number.isInteger(caller)) continue;
    if (!calls.has(caller)) calls.set(caller, []);
    calls.get(caller).push(r);
  }
  return calls;
}

/**
 * Callers' view of a set of results. `servedBy` (ms into the run) counts only answers that came
 * by then, for throughput against a capacity over the run's length (callers still queued when the
 * load stops would otherwise count against later windows).
 */
export function callers(results, { servedBy = Infinity } = {}) {
  const served = results.filter((r) => r.ok && r.start + r.ms <= servedBy);
  const failed = results.filter((r) => !r.ok);
  const kinds = {};
  for (const r of failed) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
  return {
    count: results.length,
    served: served.length,
    servedShare: results.length ? served.length / results.length : NaN,
    p50: quantile(served.map((r) => r.ms), 0.5),
    p95: quantile(served.map((r) => r.ms), 0.95),
    failedP50: quantile(failed.map((r) => r.ms), 0.5),
    tokens: served.reduce((n, r) => n + r.maxTokens, 0),
    failures: Object.entries(kinds).map(([kind, n]) => `${kind} ×${n}`).join(', ') || 'none',
  };
}

/** Keymesh's figure over the plain SDK's, for the ratio column ('–' when the plain figure is 0). */
export const ratio = (keymesh, plain) => (plain === 0 || !Number.isFinite(keymesh / plain) ? '–' : fmt.ratio(keymesh / plain));

/**
 * A line about the machine's load: on a busy machine latencies stretch and the figures say so.
 * High means a 1-minute load average above the core count.
 */
export function loadNote() {
  const [one] = loadavg();
  const cores = cpus().length;
  const busy = one > cores;
  return {
    busy,
    text: `load average ${one.toFixed(2)} on ${cores} cores${busy ? ': figures come from a loaded machine (latencies stretch; other jobs share the cores)' : ''}`,
  };
}

/** Prints a scenario's progress on stderr, so stdout keeps the tables. */
export const progress = (line) => process.stderr.write(`  ${line}\n`);

/**
 * A benchmark file's main: runs the scenarios named on the command line (all when none), each
 * resolving to `{ tables, targets }`, saves the part `name` for run.mjs and prints every target.
 */
export async function runScenarios(name, title, scenarios) {
  const only = process.argv.slice(2);
  const unknown = only.filter((s) => !Object.hasOwn(scenarios, s));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; choose from ${Object.keys(scenarios).join(', ')}`);
  const load = loadNote();
  console.log(`${title}: ${load.text}`);
  const part = { tables: [], targets: [], load: load.text };
  for (const [scenarioName, scenario] of Object.entries(scenarios)) {
    if (only.length > 0 && !only.includes(scenarioName)) continue;
    const { tables, targets } = await scenario();
    part.tables.push(...tables);
    part.targets.push(...targets);
  }
  finish(name, part);
  for (const t of part.targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.what}: ${t.measured} (target ${t.goal})`);
}
