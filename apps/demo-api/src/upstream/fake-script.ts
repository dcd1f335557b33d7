import { createHash } from 'node:crypto';
import type { KeyBehaviour } from '@keymesh/testing';
import type { ProviderName } from './upstream.js';

/** One fake key: the id everyone sees, the secret only the pool and the fake know, and its behaviour. */
export interface FakeKey {
  id: string;
  secret: string;
  behaviour: KeyBehaviour;
  /** Plain words for the startup log and the dashboard. */
  script: string;
}

/** Fake keys per provider; a provider left out is not configured. */
export type FakeScript = Partial<Record<ProviderName, FakeKey[]>>;

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

const limited = (provider: ProviderName, id: string, limit: number, windowMs: number, latencyMs: number): FakeKey => ({
  id,
  secret: secret(provider, id),
  behaviour: { kind: 'rate_limit', limit, windowMs, latencyMs },
  script: `${limit} request${limit === 1 ? '' : 's'} per ${windowMs / 1000} s, then 429`,
});

/** How often the flaky keys repeat their cycle before they settle on answering. */
const FLAKY_CYCLES = 5_000;

/**
 * Six answers, then three 429s in a row (each with a 250 ms hint), over and over: three
 * consecutive key failures open the key's breaker, and the half-open trial that follows its
 * cooldown meets an answer and closes it. Real keys do this under a per-key burst limit; here
 * it is scripted so the breaker cycle shows whatever the traffic pattern.
 */
const flaky = (provider: ProviderName, latencyMs: number): FakeKey => {
  const ok = { kind: 'ok', latencyMs } as const;
  const limited = { kind: 'status', status: 429, headers: { 'retry-after-ms': '250' }, latencyMs } as const;
  const cycle = [ok, ok, ok, ok, ok, ok, limited, limited, limited];
  return {
    id: 'flaky',
    secret: secret(provider, 'flaky'),
    behaviour: [...Array.from({ length: FLAKY_CYCLES }, () => cycle).flat(), ok],
    script: '6 answers, then 3 × 429 in a row, repeating',
  };
};

/**
 * What `npm start` runs against when no provider key is set. Each pool shows something: a
 * rate-limited key sidelined until its window resets (rotation), a flaky key whose breaker
 * opens and closes again within seconds, and a key the provider refuses for good (rejected, or
 * out of credit for Anthropic), which the pool disables on first use. Latencies are long enough
 * to see requests in flight. `steady` keeps every pool able to answer, so callers see no 429.
 */
export const DEMO_FAKE_SCRIPT: FakeScript = {
  openai: [
    steady('openai', 120),
    limited('openai', 'bursty', 5, 5_000, 120),
    flaky('openai', 120),
    { id: 'revoked', secret: secret('openai', 'revoked'), behaviour: { kind: 'invalid_key', latencyMs: 40 }, script: 'rejected (401)' },
  ],
  anthropic: [
    steady('anthropic', 160),
    limited('anthropic', 'bursty', 4, 4_000, 160),
    flaky('anthropic', 160),
    { id: 'no-credit', secret: secret('anthropic', 'no-credit'), behaviour: { kind: 'quota', latencyMs: 40 }, script: 'out of credit (spend limit)' },
  ],
  gemini: [
    steady('gemini', 100),
    limited('gemini', 'bursty', 3, 4_000, 100),
    flaky('gemini', 100),
    { id: 'revoked', secret: secret('gemini', 'revoked'), behaviour: { kind: 'invalid_key', latencyMs: 40 }, script: 'rejected (API_KEY_INVALID)' },
  ],
};
