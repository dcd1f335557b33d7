// Benchmark 6: limits as the providers define them (issue 14), through the real OpenAI SDK over
// real sockets against @keymesh/testing's quota mode. Every scenario runs twice in this process,
// each time against a fresh fake with the same quota: through a Keymesh pool (`createKeymesh`,
// default options unless the scenario says) and through plain SDK clients (one per key,
// round-robin, the SDK's own 2 retries on). Targets apply to the pool; the plain clients are the
// baseline a user would otherwise have, and the ratio column is pool / plain.
//
// - mixed models: 10 keys, each its own organisation; a small model offered 0.8× its limit and a
//   large one 2× its limit, on the same keys. A 429 of the large model must not cost the small one.
// - shared organisation: 5 keys of one organisation plus 5 independent ones, offered 1.2× the
//   true capacity (6 organisations' worth, not 10 keys' worth); the pool is not told which keys share.
// - sick key: one key answers 500 every time while the other nine are fine; `priority` strategy
//   with the sick key first.
//
// Windows are one second (the fake's `windowMs`), so a run of a few seconds spans several windows.
// Run alone: `npm run build -w @keymesh/core -w @keymesh/testing && node bench/quota-limits.mjs`.
import { finish, fmt, table, target } from './harness.mjs';
import {
  callers,
  capacityOf,
  drive,
  keymeshSubject,
  keysOf,
  loadNote,
  ownOrganizations,
  plainSubject,
  progress,
  quick,
  ratio,
  startQuotaFake,
  upstream,
  upstreamLatencyMs,
} from './quota-driver.mjs';

const windowMs = 1_000;
const durationMs = quick ? 2_000 : 4_000;
const prompt = [{ role: 'user', content: 'hi' }];

/** Runs `scenario.run(subject, fake)` for the pool and for plain clients, each against a fresh fake. */
async function sideBySide(scenario) {
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

// ---- mixed models ---------------------------------------------------------------------------------

async function mixedModels() {
  const secrets = keysOf(10, 'm');
  const small = { model: 'gpt-4o-mini', perKey: 6, load: 0.8 };
  const large = { model: 'gpt-4o', perKey: 4, load: 2 };
  const rateOf = (m) => (m.perKey * secrets.length * m.load * 1000) / windowMs;
  const smallShare = rateOf(small) / (rateOf(small) + rateOf(large));
  const measured = await sideBySide({
    name: 'mixed models',
    secrets,
    keys: secrets,
    fake: {
      quota: {
        organizations: ownOrganizations(secrets),
        limits: { [small.model]: { requestsPerMinute: small.perKey }, [large.model]: { requestsPerMinute: large.perKey } },
        windowMs,
      },
    },
    async run(subject, fake) {
      const { results, t0 } = await drive(subject, {
        ratePerSec: rateOf(small) + rateOf(large),
        durationMs,
        body: (_, random) => ({ model: random() < smallShare ? small.model : large.model, messages: prompt, max_tokens: 16 }),
      });
      return {
        small: callers(results.filter((r) => r.model === small.model)),
        large: callers(results.filter((r) => r.model === large.model)),
        largeInRun: callers(results.filter((r) => r.model === large.model), { servedBy: durationMs }),
        largeCapacity: capacityOf({ fake, from: t0, durationMs, windowMs, organizations: secrets.length, limit: large.perKey }),
        smallUpstream: upstream(fake, { model: small.model }),
        largeUpstream: upstream(fake, { model: large.model }),
      };
    },
  });
  const { keymesh: k, plain: p } = measured;
  const largeCapacity = k.largeCapacity;
  const p95Goal = 4 * upstreamLatencyMs;
  const rows = [
    ['small model: callers served', fmt.pct(k.small.servedShare), fmt.pct(p.small.servedShare), ratio(k.small.servedShare, p.small.servedShare)],
    ['small model: upstream answers 429', fmt.pct(k.smallUpstream.limitedShare), fmt.pct(p.smallUpstream.limitedShare), ratio(k.smallUpstream.limitedShare, p.smallUpstream.limitedShare)],
    ['small model: served p50 (ms)', fmt.ms(k.small.p50), fmt.ms(p.small.p50), ratio(k.small.p50, p.small.p50)],
    ['small model: served p95 (ms)', fmt.ms(k.small.p95), fmt.ms(p.small.p95), ratio(k.small.p95, p.small.p95)],
    ['small model: failures', k.small.failures, p.small.failures, ''],
    ['large model: served in the run / capacity', fmt.pct(k.largeInRun.served / k.largeCapacity), fmt.pct(p.largeInRun.served / p.largeCapacity), ratio(k.largeInRun.served / k.largeCapacity, p.largeInRun.served / p.largeCapacity)],
    ['large model: callers served', fmt.pct(k.large.servedShare), fmt.pct(p.large.servedShare), ratio(k.large.servedShare, p.large.servedShare)],
    ['large model: upstream answers 429', fmt.pct(k.largeUpstream.limitedShare), fmt.pct(p.largeUpstream.limitedShare), ratio(k.largeUpstream.limitedShare, p.largeUpstream.limitedShare)],
    ['upstream calls per caller', fmt.ratio((k.smallUpstream.calls + k.largeUpstream.calls) / (k.small.count + k.large.count)), fmt.ratio((p.smallUpstream.calls + p.largeUpstream.calls) / (p.small.count + p.large.count)), ''],
  ];
  return {
    tables: [
      table(
        `6a. Mixed models: 10 keys, ${small.model} at ${small.load}× its limit (${small.perKey}/s per key), ${large.model} at ${large.load}× (${large.perKey}/s per key), ${durationMs / 1000} s`,
        ['', 'keymesh', 'plain SDK', 'ratio'],
        rows,
        `Upstream latency ${upstreamLatencyMs} ms; every caller gives up after 3 s. Capacity: the ${large.model} requests the windows the run touches allow (${largeCapacity} for the pool's run); answers after the run ends do not count.`,
      ),
    ],
    targets: [
      target('quota-mixed-small-served', '6a. mixed models: small model callers served', '≥ 99 %', fmt.pct(k.small.servedShare), k.small.servedShare >= 0.99, fmt.pct(0.99 - k.small.servedShare)),
      target('quota-mixed-small-429', '6a. mixed models: small model upstream 429s', '≤ 1 %', fmt.pct(k.smallUpstream.limitedShare), k.smallUpstream.limitedShare <= 0.01, fmt.pct(k.smallUpstream.limitedShare - 0.01)),
      target('quota-mixed-small-p95', '6a. mixed models: small model served p95', `≤ 4 upstream latencies (${p95Goal} ms)`, `${fmt.ms(k.small.p95)} ms`, k.small.p95 <= p95Goal, `${fmt.ms(k.small.p95 - p95Goal)} ms`),
      target('quota-mixed-large', '6a. mixed models: large model served / its capacity', '≥ 95 %', fmt.pct(k.largeInRun.served / largeCapacity), k.largeInRun.served / largeCapacity >= 0.95, fmt.pct(0.95 - k.largeInRun.served / largeCapacity)),
    ],
  };
}

const scenarios = { mixed: mixedModels };

const only = process.argv.slice(2);
const load = loadNote();
console.log(`Quota limits (issue 14): ${load.text}`);
const part = { tables: [], targets: [], load: load.text };
for (const [name, scenario] of Object.entries(scenarios)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const { tables, targets } = await scenario();
  part.tables.push(...tables);
  part.targets.push(...targets);
}
finish('quota-limits', part);
for (const t of part.targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.what}: ${t.measured} (target ${t.goal})`);
