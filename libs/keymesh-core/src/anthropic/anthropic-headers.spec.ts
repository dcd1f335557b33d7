import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT } from '@keymesh/testing';
import { OK, PARAMS, textOf, useAnthropic } from './__tests__/harness.js';

/**
 * The adapter hands the rate-limit headers of every successful response to the pool
 * (`anthropic-ratelimit-{requests,tokens,...}-{limit,remaining,reset}`, reset in RFC 3339):
 * they feed `headroom` and sideline a key at remaining 0 until its reset, before it ever 429s.
 */
const setup = useAnthropic();

describe('rate-limit headers of successful responses', () => {
  it('feed headroom in the snapshot (null until a key has answered)', async () => {
    const { client, key } = await setup([OK, OK]);
    expect([key('a').headroom, key('b').headroom]).toEqual([null, null]);
    await client.messages.create(PARAMS);
    // the fake reports a nominal window of 10,000 requests (and 10,000,000 tokens): 9,999 left
    expect(key('a').headroom).toBeCloseTo(0.9999, 6);
    expect(key('b').headroom).toBeNull();
  });

  it('a success with remaining 0 sidelines the key until its reset, before it ever answers 429', async () => {
    const { fake, client, events, key } = await setup([{ kind: 'rate_limit', limit: 3, windowMs: 60_000 }, OK]);
    const headroom: number[] = [];
    let reset = '';
    for (let i = 0; i < 3; i++) {
      const { data, response } = await client.messages.create(PARAMS).withResponse();
      expect(textOf(data)).toBe(DEFAULT_TEXT);
      expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe(String(2 - i));
      reset = response.headers.get('anthropic-ratelimit-requests-reset') ?? '';
      headroom.push(key('a').headroom!);
    }
    expect(headroom[0]).toBeCloseTo(2 / 3, 6);
    expect(headroom[1]).toBeCloseTo(1 / 3, 6);
    expect(headroom[2]).toBe(0);
    expect(reset).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const a = key('a');
    expect(a).toMatchObject({ state: 'closed', available: false, availableAt: Date.parse(reset), consecutiveFailures: 0, failures: 0, lastErrorKind: null });
    expect(events.of('key.rate_limited')).toEqual([expect.objectContaining({ keyId: 'a', source: 'headers', until: Date.parse(reset) })]);
    expect(events.of('circuit.opened')).toEqual([]);

    // the 4th request goes to B without A being asked: A never answered 429
    await client.messages.create(PARAMS);
    expect(fake.requests.map((r) => [r.key?.slice(-1), r.status])).toEqual([['a', 200], ['a', 200], ['a', 200], ['b', 200]]);
    expect(events.of('request.retried')).toEqual([]);
  });

  it('the key is back once its reset has passed', async () => {
    const { fake, client, key } = await setup([{ kind: 'rate_limit', limit: 1, windowMs: 600 }, OK]);
    await client.messages.create(PARAMS);
    expect(key('a').available).toBe(false);
    await client.messages.create(PARAMS);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, key('a').availableAt! - Date.now()) + 20));
    expect(key('a').available).toBe(true);
    await client.messages.create(PARAMS);
    expect(fake.requests.map((r) => [r.key?.slice(-1), r.status])).toEqual([['a', 200], ['b', 200], ['a', 200]]);
  });

  it('the headroom strategy prefers the key with more quota left', async () => {
    const { fake, client, key } = await setup([{ kind: 'rate_limit', limit: 10, windowMs: 60_000 }, OK], { pool: { strategy: 'headroom' } });
    for (let i = 0; i < 3; i++) await client.messages.create(PARAMS);
    // 1st: both unknown, key order picks A (9/10 left after); then B (9,999/10,000) wins
    expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a', 'b', 'b']);
    expect(key('a').headroom).toBeCloseTo(0.9, 6);
    expect(key('b').headroom).toBeCloseTo(0.9998, 6);
  });
});
