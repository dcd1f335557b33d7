import { describe, expect, it } from 'vitest';
import { isPoolExhaustedError } from '@keymesh/core';
import { OK, PARAMS, expectOneCredentialNoSdkRetry, rejection, useAnthropic } from './__tests__/harness.js';
import { troubleRows as rows } from './__tests__/trouble-rows.js';

/**
 * The fault matrix, part 2: provider trouble (5xx, 529, connection reset, timeouts, bodies that
 * stall or drop mid-way). Retried after a full-jitter backoff; never sidelines a key, never
 * opens its circuit; when attempts run out the last upstream error is rethrown unchanged.
 * Fail-over to another key after provider trouble: anthropic-trouble-failover.spec.ts.
 */
const setup = useAnthropic();

describe('provider trouble', () => {
  it.each(rows)('$name on every key (priority): retried with backoff on another key each time, never sidelined; the SDK error when attempts run out', async (row) => {
    const { fake, client, events, key } = await setup([row.behaviour, row.behaviour], row.options);
    const error = await rejection(client.messages.create(PARAMS));
    row.check(error);
    expect(isPoolExhaustedError(error)).toBe(false);
    // A provider-trouble retry goes to another key when one can serve; neither is taken out of rotation.
    expect(fake.requests.map((r) => r.key?.slice(-1))).toEqual(['a', 'b', 'a']);
    expectOneCredentialNoSdkRetry(fake);
    expect(key('a')).toMatchObject({ state: 'closed', available: true, disabledReason: null, consecutiveFailures: 0, failures: 2, lastErrorKind: 'provider_trouble', inFlight: 0 });
    expect(key('b')).toMatchObject({ state: 'closed', available: true, failures: 1 });
    expect(events.names()).toEqual(['request.retried', 'request.retried', 'request.failed']);
    const retried = events.of('request.retried');
    expect(retried.map((e) => [e.keyId, e.attempt, e.kind, e.status])).toEqual([
      ['a', 1, 'provider_trouble', row.status],
      ['b', 2, 'provider_trouble', row.status],
    ]);
    // full jitter: random(0, min(maxDelayMs 5, baseDelayMs 1 * 2^attempt))
    expect(retried[0]!.delayMs).toBeGreaterThanOrEqual(0);
    expect(retried[0]!.delayMs).toBeLessThanOrEqual(1);
    expect(retried[1]!.delayMs).toBeLessThanOrEqual(2);
    expect(events.of('request.failed')).toEqual([expect.objectContaining({ keyId: 'a', kind: 'provider_trouble', status: row.status, attempts: 3 })]);
  });

  it.each(rows)('$name on the only key: attempts run out and the upstream error is rethrown unchanged', async (row) => {
    const { fake, client, key } = await setup([row.behaviour], row.options);
    const error = await rejection(client.messages.create(PARAMS));
    row.check(error);
    expect(isPoolExhaustedError(error)).toBe(false);
    expect(fake.requests).toHaveLength(3);
    expect(key('a')).toMatchObject({ available: true, state: 'closed' });
  });

});
