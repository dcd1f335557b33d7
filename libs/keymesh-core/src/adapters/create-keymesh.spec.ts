import { describe, expect, it, vi } from 'vitest';
import { KeyPool, createKeymesh, poolOf, registerAdapter, type KeymeshAdapter } from '../index.js';

const keys = ['sk-test-create-aaaaaaaaaaaa', 'sk-test-create-bbbbbbbbbbbb'];

describe('createKeymesh', () => {
  it('refuses a client no adapter recognises, with a stable code', () => {
    expect(() => createKeymesh({ client: { chat: {} }, keys })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_UNSUPPORTED_CLIENT' }));
  });

  it('picks a registered adapter by the client shape and exposes the pool through poolOf', async () => {
    const adapter: KeymeshAdapter<{ kind: 'toy'; call(secret: string): string }, { call(): Promise<string> }> = {
      name: 'toy-test',
      matches: (client) => (client as { kind?: string })?.kind === 'toy',
      wrap: (pool, client) => ({ call: () => pool.execute((key) => client.call(key.secret)) }),
    };
    registerAdapter(adapter as KeymeshAdapter<never, unknown>);
    const wrapped = createKeymesh({ client: { kind: 'toy' as const, call: (secret: string) => secret.slice(-4) }, keys, name: 'toy' }) as unknown as {
      call(): Promise<string>;
    };
    expect(await wrapped.call()).toBe('aaaa');
    expect(poolOf(wrapped)).toBeInstanceOf(KeyPool);
    expect(poolOf(wrapped).name).toBe('toy');
  });

  it("runs the user's classifier first, then the adapter's, then the default", async () => {
    const seen: string[] = [];
    const adapter: KeymeshAdapter<unknown, { run(error: unknown): Promise<unknown> }> = {
      name: 'chain-test',
      classify: (error) => {
        seen.push('adapter');
        return (error as { tag?: string }).tag === 'adapter' ? { kind: 'key_rejected' } : undefined;
      },
      wrap: (pool) => ({ run: (error) => pool.execute(() => Promise.reject(error)) }),
    };
    const client = createKeymesh({
      adapter,
      keys,
      retry: { maxAttempts: 1 },
      classify: (error) => {
        seen.push('user');
        return (error as { tag?: string }).tag === 'user' ? { kind: 'caller_fault' } : undefined;
      },
    });
    await client.run({ tag: 'user' }).catch(() => {});
    expect(seen).toEqual(['user']);
    await client.run({ tag: 'adapter' }).catch(() => {});
    expect(seen).toEqual(['user', 'user', 'adapter']);
    expect(poolOf(client).snapshot().keys.filter((k) => k.state === 'disabled')).toHaveLength(1);
  });

  it('still validates pool options', () => {
    const adapter: KeymeshAdapter<unknown, object> = { name: 'x', wrap: () => ({}) };
    expect(() => createKeymesh({ adapter, keys, retrys: 1 } as never)).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_UNKNOWN_OPTION' }));
  });

  it('closes the pool it made when the adapter refuses the client', async () => {
    const { KeyPool } = await import('../index.js');
    const close = vi.spyOn(KeyPool.prototype, 'close');
    const adapter: KeymeshAdapter<unknown, object> = {
      name: 'refuses',
      wrap: () => {
        throw new Error('not this client');
      },
    };
    expect(() => createKeymesh({ adapter, keys })).toThrow('not this client');
    expect(close).toHaveBeenCalledTimes(1);
    close.mockRestore();
  });

  it('poolOf refuses an object createKeymesh did not return', () => {
    expect(() => poolOf({})).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_UNSUPPORTED_CLIENT' }));
  });
});
