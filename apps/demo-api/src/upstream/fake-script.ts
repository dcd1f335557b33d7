import { createHash } from 'node:crypto';
import type { KeyBehaviour, LimitTable } from '@keymesh/testing';
import type { ProviderName } from './upstream.js';

/** One fake key: the id everyone sees, the secret only the pool and the fake know, and its behaviour. */
export interface FakeKey {
  id: string;
  secret: string;
  behaviour: KeyBehaviour;
  /** Plain words for the startup log and the dashboard. */
  script: string;
  /** Quota mode: the provider organisation (project) the key belongs to; keys of one share its limits. */
  organization?: string;
}

/** Fake keys per provider; a provider left out is not configured. */
export type FakeScript = Partial<Record<ProviderName, FakeKey[]>>;

/** Quota mode per provider: each organisation's limits per model, over a "minute" of `windowMs`. */
export type FakeQuotas = Partial<Record<ProviderName, { windowMs: number; limits: Record<string, LimitTable> }>>;

/**
 * A made-up secret, distinct per key and long enough for the pool to show a provider-style
 * masked hint (`sk-…7f3a`). It only ever travels between the pool and the in-process fake.
 */
const secret = (provider: ProviderName, id: string) => `sk-demo-${provider}-${id}-${createHash('sha256').update(`${provider}/${id}`).digest('hex').slice(0, 12)}`;

const steady = (provider: ProviderName, latencyMs: number): FakeKey => ({
  id: 'steady',
  secret: secret(provider, 'steady'),
  behaviour: { kind: 'ok', latencyMs },
  script: 'always answers',
});

/** A key of a quota-mode organisation: it answers, and the provider's rate-limit headers say what is left. */
const member = (provider: ProviderName, id: string, organization: string, script: string, latencyMs: number): FakeKey => ({
  id,
  secret: secret(provider, id),
  behaviour: { kind: 'ok', latencyMs },
  script,
  organization,
});

/** How often the flaky keys repeat their cycle before they settle on answering. */
const FLAKY_CYCLES = 5_000;

/**
 * Six answers, then three 429s in a row without a retry hint, over and over: three consecutive
 * key failures open the key's breaker (a hinted 429 is the provider's exact instruction and never
 * counts toward it), and the half-open trial that follows its cooldown meets an answer and closes it. Real keys do this under a per-key burst limit; here
 * it is scripted so the breaker cycle shows whatever the traffic pattern.
 */
const flaky = (provider: ProviderName, latencyMs: number): FakeKey => {
  const ok = { kind: 'ok', latencyMs } as const;
  const limited = { kind: 'status', status: 429, latencyMs } as const;
  const cycle = [ok, ok, ok, ok, ok, ok, limited, limited, limited];
  return {
    id: 'flaky',
    secret: secret(provider, 'flaky'),
    behaviour: [...Array.from({ length: FLAKY_CYCLES }, () => cycle).flat(), ok],
    script: '6 answers, then 3 × 429 (no hint) in a row, repeating',
  };
};

/** A "minute" of the demo's quotas: long enough to watch a countdown, short enough to see it reset. */
const WINDOW_MS = 5_000;

/**
 * What `npm start` runs against when no provider key is set, in the fakes' quota mode: limits
 * per organisation and model, with each provider's real rate-limit headers and 429 bodies. Each
 * pool shows something: `bursty`'s organisation allows a few requests per window for the model,
 * so its limit for that model goes cooling when the headers say 0 are left (with no failure at
 * all) and comes back at the reset; `twin` is declared as another key but sits in the same
 * organisation, which the pool detects (a shared-quota warning); a flaky key whose breaker opens
 * and closes within seconds; and a key the provider refuses for good (rejected, or out of credit
 * for Anthropic), disabled on first use. Latencies are long enough to see requests in flight.
 * `steady` keeps every pool able to answer, so callers see no 429.
 */
export const DEMO_FAKE_SCRIPT: FakeScript = {
  openai: [
    member('openai', 'steady', 'org-steady', 'organisation org-steady: 200 requests per 5 s', 120),
    member('openai', 'bursty', 'org-burst', 'organisation org-burst: 6 requests per 5 s for the model', 120),
    member('openai', 'twin', 'org-burst', 'another key of org-burst (declared apart: detected)', 120),
    flaky('openai', 120),
    { id: 'revoked', secret: secret('openai', 'revoked'), behaviour: { kind: 'invalid_key', latencyMs: 40 }, script: 'rejected (401)' },
  ],
  anthropic: [
    member('anthropic', 'steady', 'org-steady', 'workspace org-steady: 200 requests per 5 s', 160),
    member('anthropic', 'bursty', 'org-burst', 'workspace org-burst: 5 requests per 5 s for the model', 160),
    flaky('anthropic', 160),
    { id: 'no-credit', secret: secret('anthropic', 'no-credit'), behaviour: { kind: 'quota', latencyMs: 40 }, script: 'out of credit (spend limit)' },
  ],
  gemini: [
    member('gemini', 'steady', 'project-steady', 'project project-steady: 200 requests per 5 s', 100),
    member('gemini', 'bursty', 'project-burst', 'project project-burst: 4 requests per 5 s (Gemini sends no quota headers: learnt from 429s)', 100),
    flaky('gemini', 100),
    { id: 'revoked', secret: secret('gemini', 'revoked'), behaviour: { kind: 'invalid_key', latencyMs: 40 }, script: 'rejected (API_KEY_INVALID)' },
  ],
};

/** A limit table for every model ('*'): `requests` per window, and token limits that do not bind. */
const perModel = (provider: ProviderName, requests: number) => ({
  '*': provider === 'anthropic' ? { requestsPerMinute: requests, inputTokensPerMinute: 400_000, outputTokensPerMinute: 400_000 } : { requestsPerMinute: requests, tokensPerMinute: 400_000 },
});

/** The organisations' limits of DEMO_FAKE_SCRIPT. */
export const DEMO_FAKE_QUOTAS: FakeQuotas = {
  openai: { windowMs: WINDOW_MS, limits: { 'org-steady': perModel('openai', 200), 'org-burst': perModel('openai', 6) } },
  anthropic: { windowMs: WINDOW_MS, limits: { 'org-steady': perModel('anthropic', 200), 'org-burst': perModel('anthropic', 5) } },
  gemini: { windowMs: WINDOW_MS, limits: { 'project-steady': perModel('gemini', 200), 'project-burst': perModel('gemini', 4) } },
};
