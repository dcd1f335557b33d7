// Benchmark 1: what Keymesh adds to a successful call.
//
// - `pool.execute` per strategy at 3, 100 and 10,000 keys, against a bare call of the same
//   attempt function (targets: ≤ 150 ns added at 3 keys; 10,000 keys within 1.3× of 3 keys).
// - A real `openai` client whose `fetch` answers in-process with a canned Response (no sockets),
//   wrapped with `createKeymesh`, against the same client unwrapped.
// - cockatiel (retry + circuit breaker `wrap`) and opossum (`fire`) around the same attempt.
//
// Every strategy runs in a child process of its own: a service uses one strategy, and running
// six through the same call sites in one process would measure V8's megamorphic fallbacks rather
// than the strategy. Inside a child, every figure is a median over runs in which all subjects are
// timed side by side (harness.sideBySide).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KeyPool, createKeymesh, strategyNames } from '@keymesh/core';
import OpenAI from 'openai';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleAll, retry, wrap } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { createRequire } from 'node:module';

const versionOf = (name) => createRequire(import.meta.url)(`${name}/package.json`).version;
import { openaiCompletion, openaiRateLimitHeaders } from './canned-openai.mjs';
import { addedOver, finish, fmt, ratioOf, sideBySide, table, target } from './harness.mjs';

const keyCounts = [3, 100, 10_000];
const quick = process.env.BENCH_QUICK === '1';
const executeRuns = { runs: quick ? 5 : 11, iterations: quick ? 50_000 : 100_000 };
const sdkRuns = { runs: quick ? 3 : 11, iterations: quick ? 300 : 1_000 };

const secretsOf = (n) => Array.from({ length: n }, (_, i) => `sk-bench-${String(i).padStart(8, '0')}-xxxxxxxxxxxxxxxx`);
/** The attempt every subject runs: an async function that resolves at once. */
const attempt = async (key) => key.id;
const bareKey = { id: 'bare' };

// ---- the in-process OpenAI upstream ---------------------------------------------------------------

const completionHeaders = { 'content-type': 'application/json', ...openaiRateLimitHeaders };
const cannedFetch = async () => new Response(openaiCompletion, { status: 200, headers: completionHeaders });
const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

// ---- one strategy, in a child process -------------------------------------------------------------

async function measureStrategy(strategy) {
  const pools = Object.fromEntries(keyCounts.map((n) => [n, new KeyPool({ keys: secretsOf(n), strategy })]));
  const execute = await sideBySide(
    {
      bare: () => attempt(bareKey),
      ...Object.fromEntries(keyCounts.map((n) => [`keys${n}`, () => pools[n].execute(attempt)])),
    },
    executeRuns,
  );

  const plain = new OpenAI({ apiKey: 'sk-unused', fetch: cannedFetch, maxRetries: 0 });
  const clients = Object.fromEntries(
    keyCounts.map((n) => [n, createKeymesh({ client: new OpenAI({ apiKey: 'sk-unused', fetch: cannedFetch }), keys: secretsOf(n), strategy })]),
  );
  const sdk = await sideBySide(
    {
      plain: () => plain.chat.completions.create(request),
      ...Object.fromEntries(keyCounts.map((n) => [`keys${n}`, () => clients[n].chat.completions.create(request)])),
    },
    sdkRuns,
  );

  const summarize = (measured, baseline) => ({
    baselineNs: measured[baseline].median,
    addedNs: Object.fromEntries(keyCounts.map((n) => [n, addedOver(measured, `keys${n}`, baseline)])),
    // (n keys − baseline) / (3 keys − baseline), paired within each run.
    ratioTo3: Object.fromEntries(keyCounts.map((n) => [n, ratioOf(measured, `keys${n}`, 'keys3', baseline)])),
  });
  return { strategy, execute: summarize(execute, 'bare'), sdk: summarize(sdk, 'plain') };
}

// ---- cockatiel and opossum beside the default pool ---------------------------------------------------

async function measureComparators() {
  const pool = new KeyPool({ keys: secretsOf(3) });
  const cockatiel = wrap(
    retry(handleAll, { maxAttempts: 4, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(3) }),
  );
  const opossum = new CircuitBreaker(attempt); // defaults: 10 s timeout (a timer per call), rolling stats
  const opossumNoTimeout = new CircuitBreaker(attempt, { timeout: false });
  const measured = await sideBySide(
    {
      bare: () => attempt(bareKey),
      keymesh: () => pool.execute(attempt),
      cockatiel: () => cockatiel.execute(() => attempt(bareKey)),
      opossum: () => opossum.fire(bareKey),
      opossumNoTimeout: () => opossumNoTimeout.fire(bareKey),
    },
    executeRuns,
  );
  opossum.shutdown();
  opossumNoTimeout.shutdown();
  return Object.fromEntries(Object.keys(measured).map((name) => [name, { ns: measured[name].median, addedNs: addedOver(measured, name, 'bare') }]));
}

// ---- parent: one child per strategy, then the tables -----------------------------------------------

function inChild(args) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) throw new Error(`overhead child ${args.join(' ')} exited with ${child.status}`);
  return JSON.parse(child.stdout);
}

async function main() {
  const strategies = [];
  for (const strategy of strategyNames) {
    process.stderr.write(`  overhead: ${strategy}\n`);
    strategies.push(inChild(['--strategy', strategy]));
  }
  process.stderr.write('  overhead: cockatiel, opossum\n');
  const comparators = inChild(['--comparators']);

  const executeRows = strategies.map(({ strategy, execute: e }) => [
    strategy,
    ...keyCounts.map((n) => fmt.ns(e.addedNs[n])),
    fmt.ratio(e.ratioTo3[100]),
    fmt.ratio(e.ratioTo3[10_000]),
  ]);
  const sdkRows = strategies.map(({ strategy, sdk: s }) => [
    strategy,
    fmt.us(s.baselineNs / 1000),
    ...keyCounts.map((n) => fmt.us(s.addedNs[n] / 1000)),
    fmt.ratio(s.ratioTo3[10_000]),
  ]);
  const bareNs = strategies[0].execute.baselineNs;
  const worst3 = Math.max(...strategies.map((s) => s.execute.addedNs[3]));
  const worstRatio = Math.max(...strategies.map((s) => s.execute.ratioTo3[10_000]));
  const worstSdk = Math.max(...strategies.map((s) => s.sdk.addedNs[3]));
  const tables = [
    table(
      '1a. pool.execute: ns added per successful call over a bare async call',
      ['strategy', '3 keys', '100 keys', '10,000 keys', '100 / 3', '10,000 / 3'],
      executeRows,
      `Bare call (an async function that resolves at once): ${fmt.ns(bareNs)} ns. Ratios are (n keys − bare) / (3 keys − bare), paired within each run. Targets: ≤ 150 ns at 3 keys; 10,000 / 3 ≤ 1.30×.`,
    ),
    table(
      '1b. OpenAI SDK client (in-process fetch, canned response): µs added per call by createKeymesh',
      ['strategy', 'unwrapped µs/call', '+ 3 keys', '+ 100 keys', '+ 10,000 keys', '10,000 / 3'],
      sdkRows,
      'openai@7 `chat.completions.create` with a custom `fetch` returning a canned JSON Response (OpenAI rate-limit headers included); no sockets.',
    ),
    table(
      '1c. Keymesh beside cockatiel and opossum (3 keys / one wrapped function, success path)',
      ['library', 'ns per call', 'ns added over bare'],
      [
        ['bare async call', fmt.ns(comparators.bare.ns), '0'],
        ['Keymesh pool.execute (defaults: least-used, breaker, retry)', fmt.ns(comparators.keymesh.ns), fmt.ns(comparators.keymesh.addedNs)],
        [`cockatiel ${versionOf('cockatiel')} wrap(retry, circuitBreaker).execute`, fmt.ns(comparators.cockatiel.ns), fmt.ns(comparators.cockatiel.addedNs)],
        [`opossum ${versionOf('opossum')} fire (defaults: 10 s timeout)`, fmt.ns(comparators.opossum.ns), fmt.ns(comparators.opossum.addedNs)],
        [`opossum ${versionOf('opossum')} fire ({ timeout: false })`, fmt.ns(comparators.opossumNoTimeout.ns), fmt.ns(comparators.opossumNoTimeout.addedNs)],
      ],
      'cockatiel and opossum at their newest majors, versions read from node_modules.',
    ),
  ];
  const over = (values, limit, format) =>
    values
      .filter(([, value]) => value > limit)
      .map(([strategy, value]) => `${strategy} ${format(value)}`)
      .join(', ');
  const added3 = strategies.map((s) => [s.strategy, s.execute.addedNs[3]]);
  const ratios = strategies.map((s) => [s.strategy, s.execute.ratioTo3[10_000]]);
  const sdk3 = strategies.map((s) => [s.strategy, s.sdk.addedNs[3]]);
  const targets = [
    target('execute-3', '1. pool.execute: ns added at 3 keys', '≤ 150 ns', `${fmt.ns(Math.min(...added3.map(([, v]) => v)))}–${fmt.ns(worst3)} ns`, worst3 <= 150,
      over(added3, 150, (v) => `+${fmt.ns(v - 150)} ns`)),
    target('execute-10k', '1. pool.execute: 10,000 keys vs 3 keys', '≤ 1.30×', `${fmt.ratio(Math.min(...ratios.map(([, v]) => v)))}–${fmt.ratio(worstRatio)}`, worstRatio <= 1.3,
      over(ratios, 1.3, (v) => `${fmt.ratio(v)}`)),
    // Issue 16's goal for a wrapped SDK call (wall time here; section 9 measures CPU time per adapter).
    target('sdk-3', '1. OpenAI SDK client wrapped by createKeymesh: added at 3 keys', '≤ 10 µs', `${fmt.us(Math.min(...sdk3.map(([, v]) => v)) / 1000)}–${fmt.us(worstSdk / 1000)} µs`, worstSdk <= 10_000,
      `about ${(worstSdk / 10_000).toFixed(1)}× the target`),
  ];
  finish('overhead', { strategies, comparators, tables, targets });
}

if (process.argv[2] === '--strategy') process.stdout.write(JSON.stringify(await measureStrategy(process.argv[3])));
else if (process.argv[2] === '--comparators') process.stdout.write(JSON.stringify(await measureComparators()));
else await main();
