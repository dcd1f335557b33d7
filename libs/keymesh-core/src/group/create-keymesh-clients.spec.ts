import { describe, expect, it } from 'vitest';
import { createKeymeshClients, healthReport, httpAdapter, isConfigError, parseKeyList, poolOf } from '../index.js';

const adapter = httpAdapter({ baseURL: 'http://127.0.0.1:1', auth: 'bearer' });

describe('createKeymeshClients', () => {
  it('creates one pool per named client, named after it, with shared defaults and per-client overrides', async () => {
    const group = createKeymeshClients<{ alpha: unknown; beta: unknown }>({
      clients: {
        alpha: { adapter, keys: ['sk-test-alpha-aaaaaaaaaaaa'] },
        beta: { adapter, keys: ['sk-test-beta-bbbbbbbbbbbbb'], strategy: 'random' },
      },
      defaults: { strategy: 'priority', retry: { maxAttempts: 2 } },
    });
    expect(Object.keys(group.clients)).toEqual(['alpha', 'beta']);
    expect(group.pools.alpha.name).toBe('alpha');
    expect(group.pools.beta.name).toBe('beta');
    await group.close();
    await expect(group.pools.alpha.execute(() => 1)).rejects.toMatchObject({ code: 'ERR_KEYMESH_POOL_CLOSED' });
  });

  it('prefixes a bad client option with the client name and closes the pools already made', () => {
    let error: unknown;
    try {
      createKeymeshClients({ clients: { good: { adapter, keys: ['sk-test-good-aaaaaaaaaaaa'] }, bad: { adapter, keys: [] } } });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_NO_KEYS', option: 'clients.bad.keys' });
    expect((error as Error).message).toMatch(/^clients\.bad: /);
  });

  it('reports a misspelt shared default under `defaults`, not under a client', () => {
    expect(() => createKeymeshClients({ clients: { alpha: { adapter, keys: ['sk-test-alpha-aaaaaaaaaaaa'] } }, defaults: { stratgy: 'random' } as never })).toThrow(
      expect.objectContaining({ code: 'ERR_KEYMESH_UNKNOWN_OPTION', option: 'defaults.stratgy' }),
    );
  });

  it('reports a misspelt client option as an unknown option with the name meant, not as an unsupported client', () => {
    const config = { clinet: {}, keys: ['sk-test-alpha-aaaaaaaaaaaa'] };
    expect(() => createKeymeshClients({ clients: { openai: config as never } })).toThrow(
      expect.objectContaining({ code: 'ERR_KEYMESH_UNKNOWN_OPTION', option: 'clients.openai.clinet', message: 'clients.openai: Unknown option `clinet`. Did you mean `client`?' }),
    );
  });

  it('refuses an empty client map', () => {
    expect(() => createKeymeshClients({ clients: {} })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_NO_KEYS' }));
  });
});

describe('healthReport', () => {
  it('is up while every pool can serve, down as soon as one cannot, and never holds a secret', async () => {
    const secret = 'sk-test-health-CANARY-aaaaaaaa';
    const group = createKeymeshClients({ clients: { one: { adapter, keys: [secret] }, two: { adapter, keys: ['sk-test-health-other-bbbbbbbb'] } } });
    expect(healthReport(group.pools)).toMatchObject({ status: 'up', pools: { one: { healthy: true, available: 1 }, two: { healthy: true } } });
    group.pools.one.disableKey(group.pools.one.snapshot().keys[0]!.id);
    const down = healthReport(group.pools);
    expect(down.status).toBe('down');
    expect(down.pools.one!.keys[0]).toMatchObject({ state: 'disabled', available: false });
    expect(JSON.stringify(down)).not.toContain(secret);
    await group.close();
  });
});

describe('parseKeyList', () => {
  it('trims', () => {
    expect(parseKeyList(' sk-a , sk-b ', 'OPENAI_API_KEYS')).toEqual(['sk-a', 'sk-b']);
  });

  it('refuses the same key twice, naming the positions, never the key', () => {
    let error: unknown;
    try {
      parseKeyList('sk-test-dup-aaaaaaaa, sk-test-other-bbbb,sk-test-dup-aaaaaaaa', 'OPENAI_API_KEYS');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_DUPLICATE_SECRET', option: 'OPENAI_API_KEYS', message: 'OPENAI_API_KEYS has the same key at positions 1 and 3; remove one.' });
  });
  it.each([undefined, '', '   '])('refuses a missing list (%j) naming the variable', (value) => {
    expect(() => parseKeyList(value, 'OPENAI_API_KEYS')).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_NO_KEYS', message: expect.stringContaining('OPENAI_API_KEYS') }));
  });
  it('refuses an empty entry, saying where, without printing keys', () => {
    let message = '';
    try {
      parseKeyList('sk-test-secret-one,,sk-test-secret-two', 'GEMINI_API_KEYS');
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_KEYMESH_EMPTY_SECRET' });
      message = (error as Error).message;
    }
    expect(message).toContain('position 2');
    expect(message).not.toContain('sk-test-secret');
  });
});

describe('exhaustedResponse', () => {
  it('is a 503 problem with Retry-After in whole seconds, rounded up, or none when no key frees up by itself', async () => {
    const { PoolExhaustedError, exhaustedResponse } = await import('../index.js');
    const soon = exhaustedResponse(new PoolExhaustedError({ poolName: 'openai', retryAfterMs: 1_200, keys: [], attempts: 2 }));
    expect(soon).toMatchObject({ status: 503, headers: { 'retry-after': '2', 'content-type': 'application/problem+json' }, body: { status: 503, pool: 'openai', retryAfterMs: 1_200 } });
    const never = exhaustedResponse(new PoolExhaustedError({ poolName: 'openai', retryAfterMs: null, keys: [], attempts: 1 }));
    expect(never.headers['retry-after']).toBeUndefined();
  });
});

describe('createKeymeshClients with keymeshFetch clients', () => {
  it('builds a keymeshFetch by name, on a pool named after it, with the shared defaults', async () => {
    const { startFakeProvider } = await import('@keymesh/testing');
    const fake = await startFakeProvider({ provider: 'openai', keys: { 'sk-test-group-fetch-aaaaaaaa': { kind: 'rate_limit', limit: 0, windowMs: 60_000 }, 'sk-test-group-fetch-bbbbbbbb': { kind: 'ok' } } });
    try {
      const group = createKeymeshClients<{ 'openai-fetch': typeof fetch }>({
        clients: { 'openai-fetch': { fetch: { provider: 'openai', baseURL: fake.url }, keys: ['sk-test-group-fetch-aaaaaaaa', 'sk-test-group-fetch-bbbbbbbb'] } },
        defaults: { strategy: 'priority' },
      });
      const fetchFn = group.clients['openai-fetch'];
      expect(typeof fetchFn).toBe('function');
      expect(poolOf(fetchFn)).toBe(group.pools['openai-fetch']);
      expect(group.pools['openai-fetch'].name).toBe('openai-fetch');
      const response = await fetchFn(`${fake.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }) });
      expect(response.status).toBe(200);
      // The priority default applied: the first key was tried first, then the request rotated.
      expect(fake.requests.map((r) => r.key)).toEqual(['sk-test-group-fetch-aaaaaaaa', 'sk-test-group-fetch-bbbbbbbb']);
      await group.close();
    } finally {
      await fake.close();
    }
  });

  it('names a bad fetch option where it was written', () => {
    expect(() => createKeymeshClients({ clients: { llm: { fetch: { provider: 'mistral' as never }, keys: ['sk-test-group-fetch-aaaaaaaa'] } } })).toThrow(
      expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_OPTION', option: 'clients.llm.fetch.provider' }),
    );
    expect(() => createKeymeshClients({ clients: { llm: { fetch: { provider: 'openai' }, keys: [], strategy: 'random' } } })).toThrow(expect.objectContaining({ option: 'clients.llm.keys' }));
    expect(() => createKeymeshClients({ clients: { llm: { fetch: 'openai' as never, keys: ['sk-test-group-fetch-aaaaaaaa'] } } })).toThrow(expect.objectContaining({ option: 'clients.llm.fetch' }));
  });
});
