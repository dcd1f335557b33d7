#!/usr/bin/env node
// Sends chat traffic to a running Keymesh demo and reports what the callers saw.
//
//   npm run demo:load                          8 concurrent callers for 10 s against http://127.0.0.1:3000
//   npm run demo:load -- -c 16 -d 30           16 callers for 30 s
//   npm run demo:load -- -n 500 --provider gemini --stream
//   DEMO_URL=http://127.0.0.1:4000 npm run demo:load
//
// Plain Node (≥ 20.19), no dependencies. Progress goes to stderr (a live bar on a terminal, a
// line every few seconds otherwise); the summary table goes to stdout.
import { parseArgs } from 'node:util';

const HELP = `Usage: npm run demo:load -- [options]

  --url <url>            the demo (env DEMO_URL; default http://127.0.0.1:$PORT or :3000)
  -c, --concurrency <n>  callers sending in parallel (env DEMO_LOAD_CONCURRENCY; default 8)
  -d, --duration <s>     seconds to run (env DEMO_LOAD_DURATION; default 10)
  -n, --requests <n>     stop after this many requests instead (env DEMO_LOAD_REQUESTS)
  -p, --provider <name>  openai, anthropic, gemini or all (env DEMO_LOAD_PROVIDER; default all configured)
  --stream               ask for streamed answers (server-sent events)
  -h, --help             this text`;

const PROVIDERS = ['openai', 'anthropic', 'gemini'];

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        url: { type: 'string' },
        concurrency: { type: 'string', short: 'c' },
        duration: { type: 'string', short: 'd' },
        requests: { type: 'string', short: 'n' },
        provider: { type: 'string', short: 'p' },
        stream: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    usage(error.message);
  }
  if (parsed.help) {
    console.log(HELP);
    process.exit(0);
  }
  const env = process.env;
  const url = (parsed.url ?? env.DEMO_URL ?? `http://127.0.0.1:${env.PORT || 3000}`).replace(/\/+$/, '');
  const concurrency = positive(parsed.concurrency ?? env.DEMO_LOAD_CONCURRENCY ?? '8', 'concurrency');
  const requestsText = parsed.requests ?? env.DEMO_LOAD_REQUESTS;
  const requests = requestsText === undefined ? undefined : positive(requestsText, 'requests');
  // A request count alone means "until that many": the duration only applies when asked for.
  const durationText = parsed.duration ?? env.DEMO_LOAD_DURATION ?? (requests === undefined ? '10' : undefined);
  const durationMs = durationText === undefined ? undefined : positive(durationText, 'duration', true) * 1_000;
  const provider = parsed.provider ?? env.DEMO_LOAD_PROVIDER ?? 'all';
  if (provider !== 'all' && !PROVIDERS.includes(provider)) usage(`--provider must be one of ${PROVIDERS.join(', ')} or all`);
  return { url, concurrency, requests, durationMs, provider, stream: parsed.stream === true };
}

function positive(text, name, fractional = false) {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0 && (fractional || Number.isInteger(value)))) usage(`--${name} must be a positive ${fractional ? 'number' : 'integer'}, got ${JSON.stringify(text)}`);
  return value;
}

function usage(message) {
  console.error(`demo:load: ${message}\n\n${HELP}`);
  process.exit(2);
}

/** Sum of a counter's samples (those whose labels include `label`, if given) in a Prometheus text exposition (0 before the first one is counted). */
function sumMetric(text, name, label) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (label !== undefined && !line.slice(0, line.lastIndexOf(' ')).includes(label)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function counters(url) {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) return {};
  const text = await res.text();
  return {
    rotations: sumMetric(text, 'keymesh_rotations_total'),
    rateLimited: sumMetric(text, 'keymesh_rate_limits_total'),
    circuitsOpened: sumMetric(text, 'keymesh_circuit_transitions_total', 'keymesh_circuit_state="open"'),
  };
}

/** The providers the demo serves, from its health endpoint (200 or 503, same body). */
async function configuredProviders(url) {
  const res = await fetch(`${url}/health/keys`);
  const body = await res.json();
  return Object.keys(body.pools ?? {});
}

/** One POST /chat; resolves to { provider, status, ms } and never rejects. */
async function chat(url, provider, n, stream) {
  const started = performance.now();
  let status;
  try {
    const res = await fetch(`${url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider, stream, messages: [{ role: 'user', content: `Load test request #${n}` }] }),
      signal: AbortSignal.timeout(90_000),
    });
    const body = await res.text();
    status = res.status;
    // A stream that broke after its 200 reports it in-band.
    if (stream && res.ok && !body.includes('event: end')) status = 'stream error';
  } catch (error) {
    status = error?.name === 'TimeoutError' ? 'timeout' : 'network error';
  }
  return { provider, status, ms: performance.now() - started };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

class Progress {
  constructor(plan) {
    this.plan = plan;
    this.tty = process.stderr.isTTY === true;
    this.lastLine = 0;
  }

  update(stats, force = false) {
    const now = performance.now();
    const elapsed = now - stats.started;
    const fraction = this.plan.requests !== undefined ? stats.done / this.plan.requests : Math.min(1, elapsed / this.plan.durationMs);
    const text = `${stats.done} done · ${stats.ok} ok · ${stats.rateLimited} × 429/503 · ${stats.failed} other · ${(stats.done / Math.max(elapsed / 1_000, 0.001)).toFixed(0)} req/s`;
    if (this.tty) {
      const width = 30;
      const filled = Math.round(Math.min(1, fraction) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${text}\x1b[K`);
    } else if (force || now - this.lastLine >= 2_000) {
      // Not a terminal (CI, a pipe): a plain line now and then instead of a redrawn bar.
      this.lastLine = now;
      process.stderr.write(`demo:load ${Math.floor(fraction * 100)}%: ${text}\n`);
    }
  }

  done() {
    if (this.tty) process.stderr.write('\n');
  }
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  return rows.map((row, r) => row.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ') + (r === 0 ? '\n' + widths.map((w) => '-'.repeat(w)).join('  ') : '')).join('\n');
}

async function main() {
  const plan = options();
  let providers;
  try {
    providers = await configuredProviders(plan.url);
  } catch (error) {
    console.error(`demo:load: cannot reach the demo at ${plan.url} (${error.cause?.code ?? error.message}). Start it with npm start, or pass --url.`);
    process.exit(1);
  }
  if (plan.provider !== 'all') {
    if (!providers.includes(plan.provider)) usage(`the demo does not serve ${plan.provider}; it serves ${providers.join(', ')}`);
    providers = [plan.provider];
  }
  const before = await counters(plan.url);
  const target = plan.requests !== undefined ? `${plan.requests} requests` : `${plan.durationMs / 1_000} s`;
  console.error(`demo:load: ${target}, ${plan.concurrency} concurrent callers, ${providers.join(' + ')}${plan.stream ? ' (streamed)' : ''} → ${plan.url}`);

  const stats = { started: performance.now(), sent: 0, done: 0, ok: 0, rateLimited: 0, failed: 0, results: [] };
  const deadline = plan.durationMs === undefined ? Infinity : stats.started + plan.durationMs;
  const progress = new Progress(plan);
  const ticker = setInterval(() => progress.update(stats), 100);
  let stopping = false;
  process.once('SIGINT', () => (stopping = true)); // Ctrl-C: finish the requests in flight, then report

  const caller = async () => {
    while (!stopping && performance.now() < deadline && (plan.requests === undefined || stats.sent < plan.requests)) {
      const n = stats.sent++;
      const result = await chat(plan.url, providers[n % providers.length], n + 1, plan.stream);
      stats.results.push(result);
      stats.done++;
      if (result.status === 200) stats.ok++;
      else if (rateLimited(result.status)) stats.rateLimited++;
      else stats.failed++;
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, caller));
  clearInterval(ticker);
  progress.update(stats, true);
  progress.done();
  const elapsedMs = performance.now() - stats.started;
  const after = await counters(plan.url).catch(() => ({}));

  const rows = [['provider', 'requests', 'ok', '429/503 seen', 'other errors', 'p50 ms', 'p95 ms']];
  for (const name of [...providers, ...(providers.length > 1 ? ['all'] : [])]) {
    const mine = stats.results.filter((r) => name === 'all' || r.provider === name);
    const sorted = mine.map((r) => r.ms).sort((a, b) => a - b);
    const fmt = (v) => (v === undefined ? '-' : Math.round(v));
    rows.push([name, mine.length, mine.filter((r) => r.status === 200).length, mine.filter((r) => rateLimited(r.status)).length, mine.filter((r) => r.status !== 200 && !rateLimited(r.status)).length, fmt(percentile(sorted, 0.5)), fmt(percentile(sorted, 0.95))]);
  }
  const delta = (name) => (before[name] === undefined || after[name] === undefined ? 'n/a' : String(after[name] - before[name]));
  const errors = {};
  for (const r of stats.results) if (r.status !== 200) errors[r.status] = (errors[r.status] ?? 0) + 1;

  console.log('');
  console.log(table(rows));
  console.log('');
  console.log(`${stats.done} requests in ${(elapsedMs / 1_000).toFixed(1)} s (${(stats.done / (elapsedMs / 1_000)).toFixed(1)} req/s), ${plan.concurrency} concurrent callers`);
  console.log(`rate-limit answers the callers saw (429, or 503 once no key could serve): ${stats.rateLimited} (the goal is 0: Keymesh rotates to another key instead)`);
  console.log(`key rotations behind the scenes (from /metrics): ${delta('rotations')}; keys sidelined for rate limits: ${delta('rateLimited')}; circuits opened: ${delta('circuitsOpened')}`);
  if (Object.keys(errors).length > 0) console.log(`non-200 answers: ${Object.entries(errors).map(([status, count]) => `${status} × ${count}`).join(', ')}`);
}

/** What a caller reads as "rate limited": a 429, or the 503 + Retry-After the demo answers once no key can serve. */
function rateLimited(status) {
  return status === 429 || status === 503;
}

await main();
