// A runnable tour of Keymesh against the fake providers of @keymesh/testing: no real keys, no network.
// Three keys: one rate-limits after 3 requests, one is rejected, one is healthy. Watch the pool
// rotate, sideline and disable keys while every request still succeeds.
import { createKeymesh, httpAdapter, poolOf } from '@keymesh/core';
import { startFakeProvider } from '@keymesh/testing';

const keys = {
  limited: 'sk-demo-limited-aaaaaaaaaaaa',
  rejected: 'sk-demo-rejected-bbbbbbbbbbbb',
  healthy: 'sk-demo-healthy-cccccccccccc',
};

const provider = await startFakeProvider({
  provider: 'http',
  keys: {
    [keys.limited]: { kind: 'rate_limit', limit: 3, windowMs: 2_000 },
    [keys.rejected]: { kind: 'status', status: 401 },
    [keys.healthy]: { kind: 'ok', latencyMs: 20 },
  },
});

const api = createKeymesh({
  name: 'demo',
  adapter: httpAdapter({ baseURL: provider.url, auth: 'bearer' }),
  keys: [
    { id: 'limited', secret: keys.limited },
    { id: 'rejected', secret: keys.rejected },
    { id: 'healthy', secret: keys.healthy },
  ],
  strategy: 'round-robin',
});
const pool = poolOf(api);
for (const name of ['key.rotated', 'key.rate_limited', 'key.disabled', 'circuit.opened', 'circuit.half_opened', 'circuit.closed']) {
  pool.on(name, (event) => console.log(`  event ${name.padEnd(20)} ${JSON.stringify({ ...event, pool: undefined, at: undefined })}`));
}

let ok = 0;
for (let round = 1; round <= 3; round++) {
  console.log(`\nround ${round}: 8 concurrent requests`);
  const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => api.fetch(`/chat/${round}-${i}`, { method: 'POST' }).then((res) => res.status)));
  ok += statuses.filter((status) => status === 200).length;
  if (round < 3) await new Promise((resolve) => setTimeout(resolve, 2_100));
}

console.log(`\n${ok}/24 requests answered 200; upstream saw ${provider.requests.length} requests:`);
for (const [id, secret] of Object.entries(keys)) console.log(`  ${id.padEnd(9)} ${provider.countFor(secret)} requests`);
console.log('\nsnapshot (no secrets, masked hints):');
console.table(pool.snapshot().keys.map(({ id, hint, state, available, requests, failures, lastErrorKind }) => ({ id, hint, state, available, requests, failures, lastErrorKind })));

await pool.close();
await provider.close();
