// One member of a test fleet: a process with its own KeyPool and RedisStore, loaded from the
// built packages (plain Node, as in production), driven by the test over IPC.
import { KeyPool } from '@keymesh/core';
import { RedisStore } from '../../dist/index.js';

/** Epoch ms with sub-ms precision, comparable across processes of one machine. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let pool;
let store;
let poolName;
/** Every attempt this process made: which key, when it started and ended, how it ended. */
const attempts = [];
/** Every shared key state this process received from the others, and when. */
const deliveries = [];
/** Every limit or group change this process received from the others, and when. */
const sharedDeliveries = [];
const storeErrors = [];
/** What the fake upstream does: `fail[keyId] = { status, headers, times, scope? }` (scope: only requests for it), `hold[keyId] = ms | 'forever'`. */
let behaviour = { fail: {}, hold: {}, delayMs: 1 };
let load;

async function attempt(key, ctx) {
  const record = { key: key.id, scope: ctx.scope, start: now(), end: undefined, outcome: undefined };
  attempts.push(record);
  const fail = behaviour.fail[key.id];
  if (fail !== undefined && fail.times > 0 && (fail.scope === undefined || fail.scope === ctx.scope)) {
    fail.times--;
    record.end = now();
    record.outcome = fail.status;
    throw Object.assign(new Error(`HTTP ${fail.status}`), { status: fail.status, headers: fail.headers ?? {} });
  }
  const hold = behaviour.hold[key.id];
  if (hold === 'forever') {
    process.send({ event: 'holding', key: key.id, at: record.start });
    return new Promise(() => {});
  }
  await sleep(hold ?? behaviour.delayMs);
  record.end = now();
  record.outcome = 200;
  return key.id;
}

const request = ({ scope } = {}) =>
  pool.execute(attempt, scope === undefined ? undefined : { scope }).then(
    (key) => ({ ok: true, key }),
    (error) => ({ ok: false, code: error.code ?? String(error.status ?? error.message) }),
  );

const handlers = {
  async init({ url, prefix, name, keys, poolOptions = {}, storeOptions = {} }) {
    poolName = name;
    store = new RedisStore({ url, prefix, logger: false, ...storeOptions });
    const loadOf = store.load.bind(store);
    let loaded = Promise.resolve();
    store.load = (...args) => ((loaded = loadOf(...args)), loaded);
    store.subscribe(name, (keyId, state) => deliveries.push({ keyId, at: now(), state }));
    store.subscribeShared(name, (change) => sharedDeliveries.push({ at: now(), ...change }));
    pool = new KeyPool({ name, keys, store, ...poolOptions });
    pool.on('store.error', (e) => storeErrors.push(e));
    await loaded.catch(() => undefined);
    return { pid: process.pid, loadedAt: now() };
  },
  behave({ behaviour: next }) {
    behaviour = { fail: {}, hold: {}, delayMs: 1, ...next };
  },
  request,
  async burst({ count, scope }) {
    return Promise.all(Array.from({ length: count }, () => request({ scope })));
  },
  /** `scopes`: each loop sends its requests for one of them in turn (default: the pool's default scope). */
  startLoad({ concurrency, scopes = [undefined] }) {
    let running = true;
    const loops = Array.from({ length: concurrency }, async (_, i) => {
      while (running) await request({ scope: scopes[i % scopes.length] });
    });
    load = { stop: () => ((running = false), Promise.all(loops)) };
  },
  async stopLoad() {
    await load?.stop();
    load = undefined;
  },
  log() {
    return { attempts, deliveries, sharedDeliveries, storeErrors };
  },
  snapshot() {
    return pool.snapshot();
  },
  async close() {
    await load?.stop();
    await pool.close();
    await store.close();
    // Nothing may be left holding the process open: the test expects it to exit by itself.
    setImmediate(() => process.disconnect());
    return { closedAt: now(), pool: poolName };
  },
};

process.on('message', async (message) => {
  try {
    const result = await handlers[message.type](message);
    process.send({ id: message.id, ok: true, result });
  } catch (error) {
    process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.send({ event: 'started' });
