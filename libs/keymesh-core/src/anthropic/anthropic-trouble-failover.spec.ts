import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT } from '@keymesh/testing';
import { OK, PARAMS, expectOneCredentialNoSdkRetry, rejection, textOf, useAnthropic } from './__tests__/harness.js';
import { merge, troubleRows as rows } from './__tests__/trouble-rows.js';

/**
 * The fault matrix, part 2b: after provider trouble the next attempt may use another key (it is
 * not a rotation: the faulty key stays in rotation), or the same key after the backoff.
 */
const setup = useAnthropic();

describe('provider trouble: the retry', () => {
  it.each(rows)('$name on key A (least-used): the retry goes to B, which answers', async (row) => {
    const { fake, client, events, key } = await setup([row.behaviour, OK], merge(row, { pool: { strategy: 'least-used' } }));
    expect(textOf(await client.messages.create(PARAMS))).toBe(DEFAULT_TEXT);
    expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a', 'b']);
    expectOneCredentialNoSdkRetry(fake);
    expect(key('a')).toMatchObject({ state: 'closed', available: true, consecutiveFailures: 0, failures: 1, lastErrorKind: 'provider_trouble' });
    // provider trouble is not a rotation: no key.rotated, key.rate_limited, key.disabled or circuit.opened
    expect(events.names()).toEqual(['request.retried', 'request.succeeded']);
    expect(events.of('request.succeeded')).toEqual([expect.objectContaining({ keyId: 'b', attempts: 2 })]);
  });

  it.each(rows)('$name once, then the same key answers: one backoff, one success', async (row) => {
    const { fake, client, events } = await setup([[row.behaviour, OK]], row.options);
    expect(textOf(await client.messages.create(PARAMS))).toBe(DEFAULT_TEXT);
    expect(fake.requests).toHaveLength(2);
    expect(events.names()).toEqual(['request.retried', 'request.succeeded']);
  });

  it("a 529's retry-after-ms wins over the jitter formula, and the key is not sidelined meanwhile", async () => {
    const { fake, client, events, key } = await setup([[{ kind: 'status', status: 529, headers: { 'retry-after-ms': '120' } }, OK]]);
    const t0 = Date.now();
    const pending = client.messages.create(PARAMS);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(key('a')).toMatchObject({ available: true, state: 'closed' });
    expect(textOf(await pending)).toBe(DEFAULT_TEXT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
    expect(fake.requests.map((r) => [r.key?.slice(-1), r.status])).toEqual([['a', 529], ['a', 200]]);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(115);
    expect(events.of('request.retried')).toEqual([expect.objectContaining({ kind: 'provider_trouble', status: 529, delayMs: 120 })]);
  });

  it('529s on every request never open a circuit, however many', async () => {
    const { client, events, key } = await setup([{ kind: 'status', status: 529 }], { pool: { breaker: { failureThreshold: 1 }, retry: { maxAttempts: 5 } } });
    for (let i = 0; i < 2; i++) expect(await rejection(client.messages.create(PARAMS))).toBeInstanceOf(Anthropic.OverloadedError);
    expect(key('a')).toMatchObject({ state: 'closed', available: true, failures: 10, consecutiveFailures: 0 });
    expect(events.of('circuit.opened')).toEqual([]);
  });
});
