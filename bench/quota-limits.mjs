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
import { fmt, table, target } from './harness.mjs';
import {
  callers,
  capacityOf,
  drive,
  keysOf,
  ownOrganizations,
  quick,
  ratio,
  runScenarios,
  sideBySide,
  upstream,
  upstreamLatencyMs,
} from './quota-driver.mjs';

const windowMs = 1_000;
const durationMs = quick ? 2_000 : 4_000;
const prompt = [{ role: 'user', content: 'hi' }];

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
    events: ['quota.shared'],
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
        merges: subject.events.filter((e) => e.name === 'quota.shared').length,
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
    ['shared-quota merges reported (every key is its own organisation: should be 0)', String(k.merges), 'n/a', ''],
    ['upstream calls per caller', ((k.smallUpstream.calls + k.largeUpstream.calls) / (k.small.count + k.large.count)).toFixed(2), ((p.smallUpstream.calls + p.largeUpstream.calls) / (p.small.count + p.large.count)).toFixed(2), ''],
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
      target('quota-mixed-no-merge', '6a. mixed models: independent keys never reported as sharing a quota', '0 merges', String(k.merges), k.merges === 0, `${k.merges} merges`),
      target('quota-mixed-large', '6a. mixed models: large model served / its capacity', '≥ 95 %', fmt.pct(k.largeInRun.served / largeCapacity), k.largeInRun.served / largeCapacity >= 0.95, fmt.pct(0.95 - k.largeInRun.served / largeCapacity)),
    ],
  };
}

// ---- shared organisation --------------------------------------------------------------------------

async function sharedOrganization() {
  const secrets = keysOf(10, 's');
  const shared = secrets.slice(0, 5);
  const perOrg = 10;
  const organizations = { 'org-shared': { keys: shared }, ...ownOrganizations(secrets.slice(5)) };
  const orgCount = Object.keys(organizations).length;
  const load = 1.2;
  const measured = await sideBySide({
    name: 'shared organisation',
    secrets,
    keys: secrets,
    events: ['quota.shared'],
    fake: { quota: { organizations, limits: { 'gpt-4o-mini': { requestsPerMinute: perOrg } }, windowMs } },
    async run(subject, fake) {
      const { results, t0 } = await drive(subject, {
        ratePerSec: (perOrg * orgCount * load * 1000) / windowMs,
        durationMs,
        body: () => ({ model: 'gpt-4o-mini', messages: prompt, max_tokens: 16 }),
      });
      const reported = subject.events.find((e) => e.name === 'quota.shared');
      return {
        all: callers(results),
        inRun: callers(results, { servedBy: durationMs }),
        capacity: capacityOf({ fake, from: t0, durationMs, windowMs, organizations: orgCount, limit: perOrg }),
        upstream: upstream(fake),
        knows: subject.knows?.('quota.shared') ?? false,
        reported,
        // Answers the shared keys had given when the pool reported them: the readings it needed.
        readingsBefore: reported ? upstream(fake, { keys: shared, to: reported.at }).calls : undefined,
      };
    },
  });
  const { keymesh: k, plain: p } = measured;
  const detection = !k.knows
    ? 'not reported (the built core has no quota.shared event)'
    : k.reported
      ? `after ${k.readingsBefore} answers of the shared keys (${k.reported.keyIds.length} keys merged)`
      : 'not reported';
  const readingsGoal = 10;
  const detected = k.reported !== undefined && k.readingsBefore <= readingsGoal;
  const servedShare = (x) => x.inRun.served / x.capacity;
  return {
    tables: [
      table(
        `6b. Shared organisation: 5 keys of one organisation + 5 independent (true capacity ${orgCount} × ${perOrg}/s), offered ${load}× the true capacity, ${durationMs / 1000} s`,
        ['', 'keymesh', 'plain SDK', 'ratio'],
        [
          ['served in the run / true capacity', fmt.pct(servedShare(k)), fmt.pct(servedShare(p)), ratio(servedShare(k), servedShare(p))],
          ['callers served', fmt.pct(k.all.servedShare), fmt.pct(p.all.servedShare), ratio(k.all.servedShare, p.all.servedShare)],
          ['upstream answers 429', fmt.pct(k.upstream.limitedShare), fmt.pct(p.upstream.limitedShare), ratio(k.upstream.limitedShare, p.upstream.limitedShare)],
          ['upstream calls per caller', (k.upstream.calls / k.all.count).toFixed(2), (p.upstream.calls / p.all.count).toFixed(2), ''],
          ['served p50 / p95 (ms)', `${fmt.ms(k.all.p50)} / ${fmt.ms(k.all.p95)}`, `${fmt.ms(p.all.p50)} / ${fmt.ms(p.all.p95)}`, ''],
          ['failures', k.all.failures, p.all.failures, ''],
          ['shared quota reported', detection, 'n/a', ''],
        ],
        'The pool is not told which keys share an organisation (no `group` on the keys). Every caller gives up after 3 s.',
      ),
    ],
    targets: [
      target('quota-shared-capacity', '6b. shared organisation: served / true capacity', '≥ 95 %', fmt.pct(servedShare(k)), servedShare(k) >= 0.95, fmt.pct(0.95 - servedShare(k))),
      target('quota-shared-429', '6b. shared organisation: upstream 429s', '≤ 2 %', fmt.pct(k.upstream.limitedShare), k.upstream.limitedShare <= 0.02, fmt.pct(k.upstream.limitedShare - 0.02)),
      target('quota-shared-detected', '6b. shared organisation: shared quota reported (quota.shared)', `within the first ${readingsGoal} answers of the shared keys`, detection, detected, detection),
    ],
  };
}

// ---- sick key -------------------------------------------------------------------------------------

async function sickKey() {
  const secrets = keysOf(10, 'x');
  const sick = secrets[0];
  const ratePerSec = 40;
  const measured = await sideBySide({
    name: 'sick key',
    secrets,
    keys: secrets.map((secret, i) => ({ id: i === 0 ? 'sick' : `key-${i}`, secret, priority: i === 0 ? 0 : 1 })),
    pool: { strategy: 'priority' },
    events: ['circuit.opened'],
    fake: {
      keys: { [sick]: { kind: 'status', status: 500 } },
      quota: { organizations: ownOrganizations(secrets), limits: { 'gpt-4o-mini': { requestsPerMinute: 1_000 } }, windowMs },
    },
    async run(subject, fake) {
      const { results } = await drive(subject, { ratePerSec, durationMs, body: () => ({ model: 'gpt-4o-mini', messages: prompt, max_tokens: 16 }) });
      const ejected = subject.events.find((e) => e.name === 'circuit.opened' && e.keyId === 'sick');
      const after = ejected ? ejected.at : -Infinity;
      const total = upstream(fake, { from: after });
      const onSick = upstream(fake, { keys: [sick], from: after });
      return { all: callers(results), ejected, sickShare: total.calls ? onSick.calls / total.calls : 0, calls: upstream(fake).calls };
    },
  });
  const { keymesh: k, plain: p } = measured;
  const ejection = k.ejected ? `${k.ejected.reason ?? 'opened'} after ${k.ejected.consecutiveFailures} failures` : 'never ejected';
  return {
    tables: [
      table(
        `6c. Sick key: 10 keys, the first answers 500 every time; keymesh with strategy 'priority' and the sick key first; ${ratePerSec}/s for ${durationMs / 1000} s`,
        ['', 'keymesh', 'plain SDK', 'ratio'],
        [
          ['callers served', fmt.pct(k.all.servedShare), fmt.pct(p.all.servedShare), ratio(k.all.servedShare, p.all.servedShare)],
          [`sick key's share of upstream calls${k.ejected ? ' after ejection' : ''}`, fmt.pct(k.sickShare), fmt.pct(p.sickShare), ratio(k.sickShare, p.sickShare)],
          ['upstream calls per caller', (k.calls / k.all.count).toFixed(2), (p.calls / p.all.count).toFixed(2), ''],
          ['served p50 / p95 (ms)', `${fmt.ms(k.all.p50)} / ${fmt.ms(k.all.p95)}`, `${fmt.ms(p.all.p50)} / ${fmt.ms(p.all.p95)}`, ''],
          ['failures', k.all.failures, p.all.failures, ''],
          ['sick key', ejection, 'n/a', ''],
        ],
        "Plain clients take keys round-robin, so a tenth of the callers land on the sick key and the SDK's retries stay on it. Without an ejection the share counts the whole run.",
      ),
    ],
    targets: [
      target('quota-sick-served', '6c. sick key: callers served', '≥ 99 %', fmt.pct(k.all.servedShare), k.all.servedShare >= 0.99, fmt.pct(0.99 - k.all.servedShare)),
      target('quota-sick-share', '6c. sick key: its share of upstream calls once ejected', '≤ 5 %', `${fmt.pct(k.sickShare)} (${ejection})`, k.ejected !== undefined && k.sickShare <= 0.05, k.ejected ? fmt.pct(k.sickShare - 0.05) : 'never ejected'),
    ],
  };
}

const scenarios = { mixed: mixedModels, shared: sharedOrganization, sick: sickKey };

await runScenarios('quota-limits', 'Quota limits (issue 14)', scenarios);
