// `npm run bench`: runs every benchmark, each in a process of its own (a clean JIT, and
// --expose-gc for the memory one), then writes results/latest.json and RESULTS.md.
// BENCH_QUICK=1 runs fewer iterations (a smoke test; the figures are noisier).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchDir, machine, readPart, resultsDir } from './harness.mjs';
import { renderResults } from './report.mjs';

const benchmarks = [
  { name: 'overhead', file: 'overhead.mjs', flags: [] },
  { name: 'failover', file: 'failover.mjs', flags: ['--expose-gc'] },
  { name: 'goodput', file: 'goodput.mjs', flags: [] },
  { name: 'memory', file: 'memory.mjs', flags: ['--expose-gc'] },
  // From the @keymesh/redis work: what a RedisStore adds (needs Redis at REDIS_URL, skips itself
  // without one). It prints its own report, which RESULTS.md quotes as it is.
  { name: 'redis', file: 'redis.mjs', flags: [], printed: true },
  // Quota scenarios of issues 14 and 15: the pool against plain SDK clients, over real sockets.
  { name: 'quota-limits', file: 'quota-limits.mjs', flags: [] },
  { name: 'quota-admission', file: 'quota-admission.mjs', flags: [] },
  // Issue 19: what @keymesh/opentelemetry adds per request, no-op API and real SDK.
  { name: 'otel', file: 'otel.mjs', flags: [] },
  // Issue 16: CPU µs each SDK adapter and keymeshFetch add per call over the bare SDK / fetch.
  { name: 'sdk-path', file: 'sdk-path.mjs', flags: [] },
  // Issue 15 in virtual time: overload (fast refusal, short queue) and a provider-wide outage.
  { name: 'overload', file: 'overload.mjs', flags: [] },
  // Issue 17: keymeshFetch over a bare canned fetch, beside the AI SDK and the SDK adapter.
  { name: 'fetch', file: 'fetch.mjs', flags: [] },
  // Issue 12: time to headers of a stream, first-event failover vs streamFailover 'headers'.
  { name: 'stream-headers', file: 'stream-headers.mjs', flags: [] },
  // @keymesh/proxy: the sidecar's added latency, throughput and memory, over real sockets.
  { name: 'proxy', file: 'proxy.mjs', flags: [] },
];

const startedAt = new Date();
const loadBefore = loadavg();
const parts = {};
for (const { name, file, flags, printed } of benchmarks) {
  process.stderr.write(`\n▶ ${name}\n`);
  const started = Date.now();
  const child = spawnSync(process.execPath, [...flags, join(benchDir, file)], {
    stdio: ['ignore', printed ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
    env: process.env,
  });
  if (child.status !== 0) throw new Error(`${file} exited with ${child.status}`);
  if (printed) process.stdout.write(child.stdout);
  const part = printed ? { printed: child.stdout.trimEnd(), tables: [], targets: [] } : readPart(name);
  parts[name] = { ...part, seconds: (Date.now() - started) / 1000 };
}

const results = {
  date: startedAt.toISOString(),
  command: 'npm run bench',
  quick: process.env.BENCH_QUICK === '1',
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  machine: { ...machine(), loadBefore: loadBefore.map((l) => +l.toFixed(2)), loadAfter: loadavg().map((l) => +l.toFixed(2)) },
  benchmarks: parts,
  targets: Object.values(parts).flatMap((part) => part.targets),
};
writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
writeFileSync(join(benchDir, 'RESULTS.md'), renderResults(results));
process.stderr.write(`\nWrote bench/results/latest.json, bench/results/goodput.svg and bench/RESULTS.md (${results.seconds.toFixed(0)} s).\n`);
for (const t of results.targets) process.stderr.write(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.what}: ${t.measured} (target ${t.goal})\n`);
