// Success-path cost of pool.execute per strategy at 3 and 10,000 keys, beside a bare call.
// Medians over several runs, measured side by side in one process. Run: npm run bench
import { KeyPool, strategyNames } from '@keymesh/core';

const iterations = 200_000;
const runs = 7;
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const keysOf = (n) => Array.from({ length: n }, (_, i) => `sk-bench-${String(i).padStart(8, '0')}-xxxxxxxxxxxx`);
const attempt = (key) => key.id;

async function nsPerCall(run) {
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await run();
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return median(samples);
}

const bare = await nsPerCall(() => Promise.resolve(attempt({ id: 'k' })));
console.log(`bare async call: ${bare.toFixed(0)} ns\n`);
console.log('strategy      3 keys (added ns)   10,000 keys (added ns)   ratio');
const rows = [];
for (const strategy of strategyNames) {
  const small = new KeyPool({ keys: keysOf(3), strategy });
  const large = new KeyPool({ keys: keysOf(10_000), strategy });
  await small.execute(attempt);
  await large.execute(attempt);
  const a = (await nsPerCall(() => small.execute(attempt))) - bare;
  const b = (await nsPerCall(() => large.execute(attempt))) - bare;
  rows.push({ strategy, small: a, large: b, ratio: b / a });
  console.log(`${strategy.padEnd(13)} ${a.toFixed(0).padStart(10)} ${b.toFixed(0).padStart(22)} ${(b / a).toFixed(2).padStart(11)}`);
}
console.log(`\nnode ${process.version}, ${iterations} calls x ${runs} runs, median`);
