// Benchmark 7: admission under quota (issue 15), through the real OpenAI SDK over real sockets
// against @keymesh/testing's quota mode, side by side with plain SDK clients (one per key,
// round-robin, the SDK's own 2 retries on) as in benchmark 6 (quota-limits.mjs).
//
// - tokens bind: each key (its own organisation) allows 20 requests but 10,000 tokens a window;
//   requests ask 100–1,900 `max_tokens`; offered 1.3× the token capacity.
// - overload: capacity 100 requests/s (10 keys × 10 a window), offered 150/s; the pool with
//   `retry.budgetMs` 2 s. Refused callers should learn it at once, served ones wait little.
// - outage: every key answers 503 for 3 s (the fake's `outage()`), then recovers.
//
// Windows are one second. Run alone: `npm run build -w @keymesh/core -w @keymesh/testing &&
// node bench/quota-admission.mjs [tokens|overload|outage]`.
import { fmt, table, target } from './harness.mjs';
import { callers, callsByCaller, capacityOf, drive, keysOf, ownOrganizations, quick, ratio, runScenarios, sideBySide, upstream } from './quota-driver.mjs';

const windowMs = 1_000;
const prompt = [{ role: 'user', content: 'hi' }];
/**
 * The fake counts this prompt as 5 tokens: its characters, keys included (role, user, content,
 * hi: 17), divided by 4 and rounded up, the rule Keymesh's own estimate uses.
 */
const promptTokens = 5;

// ---- tokens bind ----------------------------------------------------------------------------------

async function tokensBind() {
  const secrets = keysOf(10, 't');
  const perKey = { requests: 20, tokens: 10_000 };
  const durationMs = quick ? 2_000 : 4_000;
  const load = 1.3;
  const meanCost = 1_000 + promptTokens;
  const measured = await sideBySide({
    name: 'tokens bind',
    secrets,
    keys: secrets,
    events: ['quota.shared'],
    fake: {
      quota: { organizations: ownOrganizations(secrets), limits: { 'gpt-4o-mini': { requestsPerMinute: perKey.requests, tokensPerMinute: perKey.tokens } }, windowMs },
    },
    async run(subject, fake) {
      const { results, t0 } = await drive(subject, {
        ratePerSec: (load * perKey.tokens * secrets.length * 1000) / windowMs / meanCost,
        durationMs,
        body: (_, random) => ({ model: 'gpt-4o-mini', messages: prompt, max_tokens: 100 + Math.floor(random() * 1_801) }),
      });
      const inRun = callers(results, { servedBy: durationMs });
      return {
        all: callers(results),
        tokensServed: inRun.tokens + inRun.served * promptTokens,
        capacity: capacityOf({ fake, from: t0, durationMs, windowMs, organizations: secrets.length, limit: perKey.tokens }),
        upstream: upstream(fake),
        merges: subject.events.filter((e) => e.name === 'quota.shared').length,
      };
    },
  });
  const { keymesh: k, plain: p } = measured;
  const share = (x) => x.tokensServed / x.capacity;
  return {
    tables: [
      table(
        `7a. Tokens bind: 10 keys of ${perKey.requests} requests and ${fmt.int(perKey.tokens)} tokens a window each; max_tokens 100–1,900; offered ${load}× the token capacity, ${durationMs / 1000} s`,
        ['', 'keymesh', 'plain SDK', 'ratio'],
        [
          ['tokens served in the run / token capacity', fmt.pct(share(k)), fmt.pct(share(p)), ratio(share(k), share(p))],
          ['callers served', fmt.pct(k.all.servedShare), fmt.pct(p.all.servedShare), ratio(k.all.servedShare, p.all.servedShare)],
          ['upstream answers 429', fmt.pct(k.upstream.limitedShare), fmt.pct(p.upstream.limitedShare), ratio(k.upstream.limitedShare, p.upstream.limitedShare)],
          ['upstream calls per caller', (k.upstream.calls / k.all.count).toFixed(2), (p.upstream.calls / p.all.count).toFixed(2), ''],
          ['served p50 / p95 (ms)', `${fmt.ms(k.all.p50)} / ${fmt.ms(k.all.p95)}`, `${fmt.ms(p.all.p50)} / ${fmt.ms(p.all.p95)}`, ''],
          ['failures', k.all.failures, p.all.failures, ''],
          ['shared-quota merges reported (independent keys with equal limits: should be 0)', String(k.merges), 'n/a', ''],
        ],
        "A request's tokens as the fake counts them: prompt characters / 4 + max_tokens. The pool gets no `cost`: its adapter estimates it. Every caller gives up after 3 s.",
      ),
    ],
    targets: [
      target('quota-tokens-capacity', '7a. tokens bind: tokens served / token capacity', '≥ 90 %', fmt.pct(share(k)), share(k) >= 0.9, fmt.pct(0.9 - share(k))),
      target('quota-tokens-no-merge', '7a. tokens bind: independent keys never reported as sharing a quota', '0 merges', String(k.merges), k.merges === 0, `${k.merges} merges`),
      target('quota-tokens-429', '7a. tokens bind: upstream 429s', '≤ 2 %', fmt.pct(k.upstream.limitedShare), k.upstream.limitedShare <= 0.02, fmt.pct(k.upstream.limitedShare - 0.02)),
    ],
  };
}

// ---- overload -------------------------------------------------------------------------------------

async function overload() {
  const secrets = keysOf(10, 'o');
  const perKey = 10;
  const durationMs = quick ? 2_000 : 4_000;
  const load = 1.5;
  const budgetMs = 2_000;
  const measured = await sideBySide({
    name: 'overload',
    secrets,
    keys: secrets,
    pool: { retry: { budgetMs } },
    fake: { quota: { organizations: ownOrganizations(secrets), limits: { 'gpt-4o-mini': { requestsPerMinute: perKey } }, windowMs } },
    async run(subject, fake) {
      const { results, t0 } = await drive(subject, {
        ratePerSec: (load * perKey * secrets.length * 1000) / windowMs,
        durationMs,
        body: () => ({ model: 'gpt-4o-mini', messages: prompt, max_tokens: 16 }),
      });
      return {
        all: callers(results),
        inRun: callers(results, { servedBy: durationMs }),
        capacity: capacityOf({ fake, from: t0, durationMs, windowMs, organizations: secrets.length, limit: perKey }),
        upstream: upstream(fake),
      };
    },
  });
  const { keymesh: k, plain: p } = measured;
  const share = (x) => x.inRun.served / x.capacity;
  const refusedGoal = 100;
  const servedGoal = 250;
  return {
    tables: [
      table(
        `7b. Overload: capacity ${perKey * secrets.length} requests/s (10 keys × ${perKey} a window), offered ${load}×, keymesh with retry.budgetMs ${budgetMs / 1000} s, ${durationMs / 1000} s`,
        ['', 'keymesh', 'plain SDK', 'ratio'],
        [
          ['served in the run / capacity', fmt.pct(share(k)), fmt.pct(share(p)), ratio(share(k), share(p))],
          ['callers served', fmt.pct(k.all.servedShare), fmt.pct(p.all.servedShare), ratio(k.all.servedShare, p.all.servedShare)],
          ['served p50 / p95 (ms)', `${fmt.ms(k.all.p50)} / ${fmt.ms(k.all.p95)}`, `${fmt.ms(p.all.p50)} / ${fmt.ms(p.all.p95)}`, ratio(k.all.p50, p.all.p50)],
          ['failed callers: time to learn it, p50 (ms)', fmt.ms(k.all.failedP50), fmt.ms(p.all.failedP50), ratio(k.all.failedP50, p.all.failedP50)],
          ['upstream answers 429', fmt.pct(k.upstream.limitedShare), fmt.pct(p.upstream.limitedShare), ratio(k.upstream.limitedShare, p.upstream.limitedShare)],
          ['upstream calls per caller', (k.upstream.calls / k.all.count).toFixed(2), (p.upstream.calls / p.all.count).toFixed(2), ''],
          ['failures', k.all.failures, p.all.failures, ''],
        ],
        'Every caller gives up after 3 s. "refused" is PoolExhaustedError; the plain clients fail with the 429 their retries could not get past.',
      ),
    ],
    targets: [
      target('quota-overload-capacity', '7b. overload: served / capacity', '≥ 95 %', fmt.pct(share(k)), share(k) >= 0.95, fmt.pct(0.95 - share(k))),
      target('quota-overload-refused', '7b. overload: refused callers learn it (median)', `≤ ${refusedGoal} ms`, `${fmt.ms(k.all.failedP50)} ms`, !(k.all.failedP50 > refusedGoal), `${fmt.ms(k.all.failedP50 - refusedGoal)} ms`),
      target('quota-overload-served-p50', '7b. overload: served callers p50', `≤ ${servedGoal} ms`, `${fmt.ms(k.all.p50)} ms`, k.all.p50 <= servedGoal, `${fmt.ms(k.all.p50 - servedGoal)} ms`),
    ],
  };
}

// ---- outage ---------------------------------------------------------------------------------------

async function outage() {
  const secrets = keysOf(10, 'u');
  const ratePerSec = 40;
  const before = 1_000;
  const outageMs = quick ? 2_000 : 3_000;
  const after = quick ? 1_000 : 2_000;
  const firstAfter = 20;
  const measured = await sideBySide({
    name: 'outage',
    secrets,
    keys: secrets,
    fake: { quota: { organizations: ownOrganizations(secrets), limits: { 'gpt-4o-mini': { requestsPerMinute: 1_000 } }, windowMs } },
    async run(subject, fake) {
      let sidelined;
      const { results, t0 } = await drive(subject, {
        ratePerSec,
        durationMs: before + outageMs + after,
        body: () => ({ model: 'gpt-4o-mini', messages: prompt, max_tokens: 16 }),
        at: {
          [before]: () => fake.outage({ forMs: outageMs }),
          // The moment the provider is back: a key the pool sidelined for the outage is still out.
          [before + outageMs]: () => {
            sidelined = subject.pool?.snapshot().keys.filter((key) => key.state !== 'closed' || !key.available).length;
          },
        },
      });
      const outageFrom = t0 + before;
      const recovered = t0 + before + outageMs;
      const calls = callsByCaller(fake);
      const callsOf = (r) => calls.get(r.i)?.length ?? 0;
      const during = results.filter((r) => r.startedAt >= outageFrom && r.startedAt < recovered);
      const next = results.filter((r) => r.startedAt >= recovered).slice(0, firstAfter);
      return {
        during: callers(during),
        callsDuring: during.reduce((n, r) => n + callsOf(r), 0),
        next: callers(next),
        firstAttempt: next.filter((r) => r.ok && callsOf(r) === 1).length,
        sidelined,
        all: callers(results),
      };
    },
  });
  const { keymesh: k, plain: p } = measured;
  const perRequest = (x) => x.callsDuring / x.during.count;
  const firstOk = k.next.served === k.next.count && k.firstAttempt === k.next.count;
  return {
    tables: [
      table(
        `7c. Outage: 10 keys, ${ratePerSec} requests/s; every key answers 503 for ${outageMs / 1000} s after ${before / 1000} s, then recovers (${after / 1000} s more)`,
        ['', 'keymesh', 'plain SDK', 'ratio'],
        [
          ['upstream calls per request during the outage', perRequest(k).toFixed(2), perRequest(p).toFixed(2), ratio(perRequest(k), perRequest(p))],
          ['keys sidelined when the provider recovers', String(k.sidelined ?? '–'), 'n/a', ''],
          [`first ${firstAfter} requests after recovery: served`, `${k.next.served} / ${k.next.count}`, `${p.next.served} / ${p.next.count}`, ''],
          [`first ${firstAfter} requests after recovery: on their first attempt`, `${k.firstAttempt} / ${k.next.count}`, `${p.firstAttempt} / ${p.next.count}`, ''],
          ['callers served over the whole run', fmt.pct(k.all.servedShare), fmt.pct(p.all.servedShare), ratio(k.all.servedShare, p.all.servedShare)],
          ['failed during the outage: time to learn it, p50 (ms)', fmt.ms(k.during.failedP50), fmt.ms(p.during.failedP50), ratio(k.during.failedP50, p.during.failedP50)],
          ['failures', k.all.failures, p.all.failures, ''],
        ],
        'Requests during the outage are those started while it lasted; their upstream calls are every call the fake received for them (each call names its caller), retries after the outage included. Every caller gives up after 3 s.',
      ),
    ],
    targets: [
      target('quota-outage-calls', '7c. outage: upstream calls per request during the outage', '≤ 1.3', perRequest(k).toFixed(2), perRequest(k) <= 1.3, (perRequest(k) - 1.3).toFixed(2)),
      target('quota-outage-sidelined', '7c. outage: keys sidelined when the provider recovers', '0', String(k.sidelined), k.sidelined === 0, `${k.sidelined} keys`),
      target('quota-outage-recovery', `7c. outage: first ${firstAfter} requests after recovery succeed on their first attempt`, `${firstAfter} / ${firstAfter}`, `${k.firstAttempt} / ${k.next.count}`, firstOk, `${k.next.count - k.firstAttempt} did not`),
    ],
  };
}

const scenarios = { tokens: tokensBind, overload, outage };

await runScenarios('quota-admission', 'Quota admission (issue 15)', scenarios);
