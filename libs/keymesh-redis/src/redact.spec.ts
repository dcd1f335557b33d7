import { describe, expect, it } from 'vitest';
import { credentialRedactor } from './redact.js';
import type { RedisClient } from './redis-client.js';

describe('credentialRedactor', () => {
  it('removes the password of the URL, encoded or not, and any user:pass@ in a redis URL', () => {
    const redact = credentialRedactor('redis://app:p%40ss-w0rd@cache:6379/2', undefined);
    expect(redact('AUTH failed for p@ss-w0rd and p%40ss-w0rd')).toBe('AUTH failed for *** and ***');
    expect(redact('cannot reach rediss://someone:else@host:6380')).toBe('cannot reach rediss://***@host:6380');
  });

  it("removes the password of a client's options", () => {
    const client = { options: { password: 'client-secret' } } as unknown as RedisClient;
    expect(credentialRedactor(undefined, client)('WRONGPASS client-secret')).toBe('WRONGPASS ***');
  });

  it('leaves other text alone', () => {
    expect(credentialRedactor('redis://127.0.0.1:6379', undefined)('connect ECONNREFUSED 127.0.0.1:6379')).toBe('connect ECONNREFUSED 127.0.0.1:6379');
  });
});
