// 7. @keymesh/proxy: what the sidecar adds over calling the provider directly, on loopback.
// Three processes, as deployed: this one is the client, a child runs the fake OpenAI, another
// runs the proxy (its CLI, from dist/) in front of it. Direct and proxied requests are
// interleaved in blocks, so load on the machine hits both alike.
// - sequential: one request at a time, latency added (p50, p99);
// - 50 concurrent: throughput, proxied vs direct;
// - memory: the proxy's RSS over 100,000 requests (BENCH_QUICK: 20,000).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { benchDir, finish, fmt, median, quantile, table, target } from './harness.mjs';

const quick = process.env.BENCH_QUICK === '1';
const memoryRequests = quick ? 20_000 : 100_000;
const token = 'kmp_bench-local-token-0123456789abcdef';
const body = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

// ---- processes ---------------------------------------------------------------------------------

const fakeSource = `
import { startFakeProvider } from '@keymesh/testing';
const fake = await startFakeProvider({ provider: 'openai', unknownKey: { kind: 'ok' }, keys: { 'sk-bench-a': { kind: 'ok' }, 'sk-bench-b': { kind: 'ok' } } });
// Recordings would grow without bound over 100k requests: clear them as we go.
setInterval(() => fake.reset(), 1000).unref();
process.send({ origin: fake.origin });
process.on('disconnect', () => fake.close().then(() => process.exit(0)));
`;

function startFake() {
  const dir = mkdtempSync(join(tmpdir(), 'kmp-bench-'));
  // Run from bench/, so '@keymesh/testing' resolves through the workspace's node_modules.
  const child = spawn(process.execPath, ['--input-type=module', '-e', fakeSource], { cwd: benchDir, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve) => child.once('message', (m) => resolve({ child, origin: m.origin, dir })));
}

function startProxy(origin, dir) {
  const config = join(dir, 'keymesh.json');
  writeFileSync(config, JSON.stringify({ port: 0, token, providers: { openai: { baseURL: origin, keys: ['sk-bench-a', 'sk-bench-b'] } } }));
  const cli = join(benchDir, '../libs/keymesh-proxy/dist/cli.js');
  const child = spawn(process.execPath, [cli, '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: dir } });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      err += chunk;
      const line = err.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.once('exit', (code) => reject(new Error(`proxy exited with ${code}: ${err}`)));
  });
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

// ---- measurement -------------------------------------------------------------------------------

// One keep-alive agent per target, as a service's SDK client would have.
const agents = { direct: new Agent({ keepAlive: true, maxSockets: 64 }), proxied: new Agent({ keepAlive: true, maxSockets: 64 }) };

function call(url, headers, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function sequential(targets, blocks, perBlock) {
  const samples = { direct: [], proxied: [] };
  for (let b = 0; b < blocks; b++) {
    for (const [name, t] of Object.entries(targets)) {
      for (let i = 0; i < perBlock; i++) {
        const started = process.hrtime.bigint();
        await call(t.url, t.headers, agents[name]);
        samples[name].push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
  }
  return samples;
}

async function concurrent(t, dispatcher, total, concurrency = 50) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await call(t.url, t.headers, dispatcher);
    }),
  );
  return total / (Number(process.hrtime.bigint() - started) / 1e9);
}

const fake = await startFake();
const proxy = await startProxy(fake.origin, fake.dir);
const targets = {
  direct: { url: `${fake.origin}/v1/chat/completions`, headers: { authorization: 'Bearer sk-bench-a' } },
  proxied: { url: `${proxy.url}/openai/v1/chat/completions`, headers: { authorization: `Bearer ${token}` } },
};

process.stderr.write('  proxy: warm-up\n');
await sequential(targets, 2, 200);
process.stderr.write('  proxy: sequential\n');
const seq = await sequential(targets, quick ? 4 : 10, 200);
const added = { p50: quantile(seq.proxied, 0.5) - quantile(seq.direct, 0.5), p99: quantile(seq.proxied, 0.99) - quantile(seq.direct, 0.99) };

process.stderr.write('  proxy: 50 concurrent\n');
const throughput = { direct: [], proxied: [] };
for (let run = 0; run < (quick ? 2 : 5); run++) {
  throughput.direct.push(await concurrent(targets.direct, agents.direct, 2_000));
  throughput.proxied.push(await concurrent(targets.proxied, agents.proxied, 2_000));
}
const throughputRatio = median(throughput.proxied) / median(throughput.direct);

process.stderr.write(`  proxy: memory over ${fmt.int(memoryRequests)} requests\n`);
const rss = [];
const step = memoryRequests / 10;
for (let done = 0; done < memoryRequests; done += step) {
  await concurrent(targets.proxied, agents.proxied, step, 20);
  rss.push(rssMiB(proxy.child.pid));
}
// The first tenth warms the JIT and fills undici's pools; growth after it is what would leak.
const growthMiB = rss.at(-1) - rss[0];

proxy.child.kill('SIGTERM');
fake.child.disconnect();
for (const agent of Object.values(agents)) agent.destroy();

const tables = [
  table(
    '13. @keymesh/proxy on loopback: added over calling the fake provider directly',
    ['measure', 'direct', 'through the proxy', 'added / ratio', 'target'],
    [
      ['sequential latency p50', `${fmt.ms(quantile(seq.direct, 0.5))} ms`, `${fmt.ms(quantile(seq.proxied, 0.5))} ms`, `+${added.p50.toFixed(3)} ms`, '≤ 0.2 ms added'],
      ['sequential latency p99', `${fmt.ms(quantile(seq.direct, 0.99))} ms`, `${fmt.ms(quantile(seq.proxied, 0.99))} ms`, `+${added.p99.toFixed(3)} ms`, ''],
      ['throughput at 50 concurrent (median of runs)', `${fmt.int(median(throughput.direct))} req/s`, `${fmt.int(median(throughput.proxied))} req/s`, fmt.ratio(throughputRatio), '≥ 0.90×'],
      [`proxy RSS after 10 % / 100 % of ${fmt.int(memoryRequests)} requests`, '', `${rss[0].toFixed(1)} / ${rss.at(-1).toFixed(1)} MiB`, `${growthMiB >= 0 ? '+' : ''}${growthMiB.toFixed(1)} MiB`, 'flat (≤ 10 MiB)'],
    ],
    'Three processes on one 2-core machine: this client, the proxy (its CLI from dist/, 2 keys, default options) and the fake OpenAI; keep-alive connections on both paths; requests interleaved in blocks. Direct requests skip a whole process hop, so "added" includes one extra loopback round trip and the proxy\'s own parsing: the figure a sidecar user pays.',
  ),
];
const targets7 = [
  target('proxy-p50', '13. proxy: p50 latency added on loopback (sequential)', '≤ 0.2 ms', `+${added.p50.toFixed(3)} ms`, added.p50 <= 0.2, `+${(added.p50 - 0.2).toFixed(3)} ms`),
  target('proxy-throughput', '13. proxy: throughput at 50 concurrent vs direct', '≥ 0.90×', fmt.ratio(throughputRatio), throughputRatio >= 0.9, `${fmt.pct(0.9 - throughputRatio)} short`),
  target('proxy-memory', `13. proxy: RSS growth over ${fmt.int(memoryRequests)} requests`, '≤ 10 MiB', `${growthMiB.toFixed(1)} MiB`, growthMiB <= 10, `+${(growthMiB - 10).toFixed(1)} MiB`),
];
finish('proxy', { seq: { direct: quantile(seq.direct, 0.5), proxied: quantile(seq.proxied, 0.5) }, added, throughput, rss, tables, targets: targets7 });
