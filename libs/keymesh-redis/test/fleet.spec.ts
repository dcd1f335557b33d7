import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureFleetBuild, FleetProcess, type Attempt, type WorkerLog } from './support/fleet.js';
import { connectedClient, deletePrefix, dumpPrefix, hasRedis, redisUrl, sleep, uniquePrefix, until } from './support/redis.js';

/**
 * The fleet as it runs in production: separate Node processes, each with its own KeyPool and
 * RedisStore loaded from the built packages, sharing one Redis.
 */
describe.skipIf(!hasRedis)('a fleet of processes sharing Redis', () => {
  const keys = ['a', 'b', 'c'].map((id) => ({ id, secret: `sk-fleet-${id}-${'x'.repeat(24)}` }));
  let workers: FleetProcess[] = [];
  let prefix = '';
  let admin: Awaited<ReturnType<typeof connectedClient>>;

  beforeAll(async () => {
    ensureFleetBuild();
    admin = await connectedClient();
  }, 120_000);

  afterEach(async () => {
    for (const worker of workers) worker.kill();
    await Promise.all(workers.map((worker) => worker.exited));
    workers = [];
    await deletePrefix(admin, prefix);
  });

  afterAll(async () => {
    await admin?.close();
  });

  async function fleet(size: number, poolOptions: Record<string, unknown>, label: string): Promise<FleetProcess[]> {
    prefix = uniquePrefix(label);
    const started = await Promise.all(Array.from({ length: size }, () => FleetProcess.start()));
    workers.push(...started);
    await Promise.all(started.map((worker) => join(worker, poolOptions)));
    return started;
  }

  const join = (worker: FleetProcess, poolOptions: Record<string, unknown>) => worker.call('init', { url: redisUrl, prefix, name: 'fleet', keys, poolOptions });

  it('a key rate-limited in one process is left alone by the others within 50 ms, and a process started later loads it', async () => {
    const [first, ...others] = await fleet(3, { strategy: 'round-robin', breaker: { failureThreshold: 5, cooldownMs: 30_000 } }, 'propagation');
    // Every process keeps traffic on all three keys.
    await Promise.all([first!, ...others].map((worker) => worker.call('startLoad', { concurrency: 2 })));
    await sleep(200);

    await first!.call('behave', { behaviour: { fail: { a: { status: 429, headers: { 'retry-after': '30' }, times: 1 } } } });
    await sleep(300);
    await Promise.all([first!, ...others].map((worker) => worker.call('stopLoad')));

    const logs = await Promise.all([first!, ...others].map((worker) => worker.call<WorkerLog>('log')));
    const limited = logs[0]!.attempts.find((a) => a.key === 'a' && a.outcome === 429)!;
    expect(limited).toBeDefined();
    const t0 = limited.end!;
    const delays: number[] = [];
    for (const log of logs.slice(1)) {
      // A 429 sidelines its limit: (a's group — a key alone is its own — , the default scope).
      const heard = log.sharedDeliveries.find((d) => d.limit?.group === 'a' && d.limit.cooldownUntil > 0)!;
      expect(heard).toBeDefined();
      delays.push(heard.at - t0);
      // The contract: no process starts an attempt on the key more than 50 ms after the 429.
      const late = log.attempts.filter((a: Attempt) => a.key === 'a' && a.start > t0 + 50);
      expect(late).toEqual([]);
      // …and they kept serving on the other keys.
      expect(log.attempts.filter((a) => a.start > t0 + 50 && a.outcome === 200).length).toBeGreaterThan(10);
    }
    console.log(`[fleet] 429 → other processes: ${delays.map((d) => `${d.toFixed(2)} ms`).join(', ')}`);
    for (const delay of delays) expect(delay).toBeLessThan(50);

    // A process that starts now learns about the key before its first request.
    const [late] = await Promise.all([FleetProcess.start()]);
    workers.push(late!);
    await join(late!, { strategy: 'round-robin' });
    const snapshot = await late!.call<{ keys: Array<{ id: string; available: boolean; availableAt: number }> }>('snapshot');
    const a = snapshot.keys.find((k) => k.id === 'a')!;
    expect(a.available).toBe(false);
    expect(a.availableAt).toBeGreaterThan(t0 + 29_000);
    expect(a.availableAt).toBeLessThan(t0 + 31_000);
  });

  it('a 429 for model A in one process sidelines (group, A) in the others within 50 ms, while model B keeps being served by the same key', async () => {
    const [first, second] = await fleet(2, { strategy: 'priority', breaker: { failureThreshold: 5, cooldownMs: 30_000 } }, 'scopes');
    // Both processes keep sending requests for both models; under `priority` each goes to `a` while it can serve.
    await Promise.all([first!, second!].map((worker) => worker.call('startLoad', { concurrency: 4, scopes: ['model-a', 'model-b'] })));
    await sleep(200);
    await first!.call('behave', { behaviour: { fail: { a: { status: 429, headers: { 'retry-after': '30' }, times: 1, scope: 'model-a' } } } });
    await sleep(300);
    await Promise.all([first!, second!].map((worker) => worker.call('stopLoad')));

    const [log1, log2] = await Promise.all([first!, second!].map((worker) => worker.call<WorkerLog>('log')));
    const limited = log1!.attempts.find((a) => a.key === 'a' && a.outcome === 429)!;
    expect(limited).toMatchObject({ scope: 'model-a' });
    const t0 = limited.end!;
    const heard = log2!.sharedDeliveries.find((d) => d.limit?.group === 'a' && d.limit.scope === 'model-a' && d.limit.cooldownUntil > t0)!;
    expect(heard).toBeDefined();
    console.log(`[fleet] 429 for model-a → other process: ${(heard.at - t0).toFixed(2)} ms`);
    expect(heard.at - t0).toBeLessThan(50);
    // No attempt on (a, model-a) in the other process starts later than 50 ms after the 429…
    expect(log2!.attempts.filter((a) => a.key === 'a' && a.scope === 'model-a' && a.start > t0 + 50)).toEqual([]);
    // …while a keeps serving model-b there and here, and model-a moves to b.
    for (const log of [log1!, log2!]) {
      expect(log.attempts.filter((a) => a.key === 'a' && a.scope === 'model-b' && a.start > t0 + 50 && a.outcome === 200).length).toBeGreaterThan(10);
      expect(log.attempts.filter((a) => a.key === 'b' && a.scope === 'model-a' && a.start > t0 + 50 && a.outcome === 200).length).toBeGreaterThan(10);
    }
    // A 429 with a hint sidelines the limit only: the key's own state never left the store.
    expect(log2!.deliveries.filter((d) => d.keyId === 'a')).toEqual([]);
  });

  it('admits exactly one half-open trial across the fleet under concurrent load, and its success closes the circuit everywhere', async () => {
    const poolOptions = { strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 300, trialLeaseMs: 5_000 } };
    const members = await fleet(3, poolOptions, 'trial');
    // A 429 without a hint counts toward the breaker (a hinted one only sidelines its limit).
    await members[0]!.call('behave', { behaviour: { fail: { a: { status: 429, times: 1 } } } });
    expect(await members[0]!.call('request')).toEqual({ ok: true, key: 'b' });
    for (const member of members) {
      await until(async () => (await member.call<{ keys: Array<{ id: string; state: string }> }>('snapshot')).keys[0]!.state !== 'closed', 2_000, 'circuit open everywhere');
    }
    await sleep(350); // the open period ends: the next request anywhere may take the trial

    // Every process: the trial request on `a` takes 300 ms; everything else is quick.
    await Promise.all(members.map((member) => member.call('behave', { behaviour: { hold: { a: 300 } } })));
    const bursts = await Promise.all(members.map((member) => member.call<Array<{ ok: boolean; key: string }>>('burst', { count: 20 })));
    const used = bursts.flat().map((result) => result.key);
    expect(bursts.flat().every((result) => result.ok)).toBe(true);
    expect(used.filter((key) => key === 'a')).toHaveLength(1);

    // The trial succeeded: every process uses `a` again.
    await Promise.all(members.map((member) => member.call('behave', { behaviour: {} })));
    for (const member of members) {
      await until(async () => (await member.call<{ keys: Array<{ state: string; available: boolean }> }>('snapshot')).keys[0]!.available, 2_000, 'circuit closed everywhere');
      expect(await member.call('request')).toEqual({ ok: true, key: 'a' });
    }
  });

  it('a trial lease held by a process killed with SIGKILL frees the key after the lease, and not before', async () => {
    const leaseMs = 1_000;
    const poolOptions = { strategy: 'priority', breaker: { failureThreshold: 1, cooldownMs: 200, trialLeaseMs: leaseMs } };
    const [opener, holder, survivor] = await fleet(3, poolOptions, 'lease');
    await opener!.call('behave', { behaviour: { fail: { a: { status: 429, times: 1 } } } });
    await opener!.call('request');
    await sleep(300);

    // The holder takes the trial and never answers; then it dies without releasing anything.
    await holder!.call('behave', { behaviour: { hold: { a: 'forever' } } });
    void holder!.call('request').catch(() => undefined);
    const { at: leasedAt } = (await holder!.event('holding')) as unknown as { at: number };
    const [lease] = (await dumpPrefix(admin, prefix)).filter((entry) => entry.key.includes(':trial:'));
    expect(lease).toMatchObject({ type: 'string' });
    expect(lease!.pttl).toBeGreaterThan(0);
    expect(lease!.pttl).toBeLessThanOrEqual(leaseMs);
    holder!.kill('SIGKILL');
    await holder!.exited;

    // While the lease lasts, the others serve on `b`; once it expires one of them takes the trial.
    expect(await survivor!.call('request')).toEqual({ ok: true, key: 'b' });
    let first: number | undefined;
    while (first === undefined) {
      const result = await survivor!.call<{ key: string }>('request');
      if (result.key === 'a') first = Date.now();
      else await sleep(25);
      if (Date.now() > leasedAt + leaseMs + 3_000) throw new Error('the key never became available again');
    }
    const { attempts } = await survivor!.call<WorkerLog>('log');
    const trial = attempts.find((a) => a.key === 'a')!;
    expect(trial.start).toBeGreaterThanOrEqual(leasedAt + leaseMs - 20);
    expect(trial.start).toBeLessThan(leasedAt + leaseMs + 1_500);
    // Its success closed the circuit for the whole fleet.
    await until(async () => (await opener!.call<{ keys: Array<{ state: string }> }>('snapshot')).keys[0]!.state === 'closed', 2_000, 'closed in the opener');
  });

  it('a process whose pool and store are closed exits by itself: no handle left behind', async () => {
    const [member] = await fleet(1, {}, 'exit');
    await member!.call('request');
    const started = Date.now();
    await member!.call('close');
    const { code } = await member!.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
