import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { KeyPool } from '../pool/key-pool.js';
import { secrets, settle } from '../__tests__/manual-clock.js';
import { trackUnhandledRejections } from '../__tests__/sdk-helpers.js';
import { EventEmitter } from './event-emitter.js';

const event = { pool: 'p', keyId: 'k', request: 1, attempts: 1, durationMs: 1, scope: 'default', at: 0 };

describe('EventEmitter: listener faults', () => {
  const unhandled = trackUnhandledRejections();
  let warning: MockInstance<typeof process.emitWarning>;
  beforeEach(() => {
    warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  });
  afterEach(() => warning.mockRestore());

  it('observes a rejecting async listener: no unhandled rejection, one warning, the other listeners still run', async () => {
    const emitter = new EventEmitter();
    const after = vi.fn();
    emitter.on('request.succeeded', async () => {
      throw new Error('async listener bug');
    });
    emitter.on('request.succeeded', after);
    emitter.emit('request.succeeded', event);
    emitter.emit('request.succeeded', event);
    await settle();
    expect(unhandled.seen).toEqual([]);
    expect(after).toHaveBeenCalledTimes(2);
    expect(warning).toHaveBeenCalledTimes(1);
    expect(String(warning.mock.calls[0]![0])).toMatch(/"request\.succeeded" listener threw or rejected \(Error\)/);
    expect(warning.mock.calls[0]![1]).toMatchObject({ code: 'KEYMESH_LISTENER_ERROR' });
  });

  it('reports a synchronous throw and a later rejection once in total', async () => {
    const emitter = new EventEmitter();
    emitter.on('request.succeeded', () => {
      throw new TypeError('sync');
    });
    emitter.on('request.succeeded', () => Promise.reject(new Error('async')) as unknown as void);
    emitter.emit('request.succeeded', event);
    await settle();
    expect(warning).toHaveBeenCalledTimes(1);
    expect(String(warning.mock.calls[0]![0])).toContain('(TypeError)');
    expect(unhandled.seen).toEqual([]);
  });

  it('leaves fulfilled listener promises and thenables alone', async () => {
    const emitter = new EventEmitter();
    const then = vi.fn();
    emitter.on('request.succeeded', async () => {});
    emitter.on('request.succeeded', () => ({ then }) as unknown as void);
    emitter.emit('request.succeeded', event);
    await settle();
    expect(then).toHaveBeenCalledTimes(1);
    expect(warning).not.toHaveBeenCalled();
  });

  it('a pool with a rejecting async listener keeps serving and the process keeps running', async () => {
    const pool = new KeyPool({ keys: secrets.slice(0, 2) });
    pool.on('request.succeeded', async () => {
      await Promise.resolve();
      throw new Error('listener bug');
    });
    pool.on('request.failed', async () => {
      throw new Error('another listener bug');
    });
    await expect(pool.execute(() => 'fine')).resolves.toBe('fine');
    await expect(pool.execute(() => Promise.reject(Object.assign(new Error('bad request'), { status: 400 })))).rejects.toThrow('bad request');
    await expect(pool.execute(() => 'again')).resolves.toBe('again');
    await settle();
    expect(unhandled.seen).toEqual([]);
    expect(warning).toHaveBeenCalledTimes(1);
  });
});
