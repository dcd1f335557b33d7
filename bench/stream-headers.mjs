// Time to headers on streams: what first-event failover costs, and what `streamFailover: 'headers'`
// gives back.
//
// `await client.chat.completions.create({ stream: true })` resolves, through Keymesh's default
// (`streamFailover: 'first-event'`), only once the stream's first event has arrived: that event is
// read inside the attempt so that an error event or a dropped connection before any output still
// fails over. Against a model whose time to first token is T, the call returns T later than the
// bare SDK's. `streamFailover: 'headers'` returns at the headers, as the bare SDK does.
//
// Upstream: a loopback HTTP server that sends 200 and the SSE headers at once, holds the first
// event for TTFT ms, then streams a short answer. Three subjects side by side, interleaved request
// by request through the real openai 7 SDK: the bare SDK, Keymesh first-event (default) and
// Keymesh headers. Per subject: median time until `create()` resolves, and until the first chunk.
import { createServer } from 'node:http';
import OpenAI from 'openai';
import { createKeymesh, poolOf } from '@keymesh/core/openai';
import { finish, fmt, median, table, target } from './harness.mjs';

const quick = process.env.BENCH_QUICK === '1';
const ttftMs = Number(process.env.BENCH_TTFT_MS ?? 300);
const rounds = quick ? 5 : 15;
const keys = ['sk-bench-stream-aaaaaaaaaaaaaaaa', 'sk-bench-stream-bbbbbbbbbbbbbbbb'];

const chunk = (delta, finishReason = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
const rest = [chunk({ content: 'Hello' }), chunk({ content: '!' }), chunk({}, 'stop'), 'data: [DONE]\n\n'].join('');

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    setTimeout(() => res.end(chunk({ role: 'assistant', content: '' }) + rest), ttftMs);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${server.address().port}`;

const clients = {
  'bare SDK': new OpenAI({ apiKey: keys[0], baseURL, maxRetries: 0 }),
  "Keymesh, streamFailover 'first-event' (default)": createKeymesh({ client: new OpenAI({ apiKey: 'unused', baseURL }), keys }),
  "Keymesh, streamFailover 'headers'": createKeymesh({ client: new OpenAI({ apiKey: 'unused', baseURL }), keys, streamFailover: 'headers' }),
};

/** ms until create() resolves, and until the first chunk reaches the caller. */
async function timeOne(client) {
  const started = performance.now();
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
  const returned = performance.now() - started;
  let firstChunk;
  for await (const _ of stream) firstChunk ??= performance.now() - started;
  return { returned, firstChunk };
}

const names = Object.keys(clients);
const samples = Object.fromEntries(names.map((name) => [name, { returned: [], firstChunk: [] }]));
for (const name of names) await timeOne(clients[name]); // warm-up: connections, JIT
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length];
    const { returned, firstChunk } = await timeOne(clients[name]);
    samples[name].returned.push(returned);
    samples[name].firstChunk.push(firstChunk);
  }
}
for (const name of names.slice(1)) await poolOf(clients[name]).close();
server.close();

const returnedOf = (name) => median(samples[name].returned);
const rows = names.map((name) => [name, fmt.ms(returnedOf(name)), fmt.ms(median(samples[name].firstChunk))]);
const headersMode = names[2];
const bare = names[0];
const gap = returnedOf(headersMode) - returnedOf(bare);
finish('stream-headers', {
  tables: [
    table(
      `12. Time to headers on a stream (openai 7, loopback upstream with a ${ttftMs} ms time to first token; medians of ${rounds} requests each)`,
      ['subject', 'create() resolves (ms)', 'first chunk (ms)'],
      rows,
      "First-event failover resolves create() only once the first event is in (about the time to first token); 'headers' resolves with the bare SDK and fails over only on errors before the headers.",
    ),
  ],
  targets: [target('stream-headers', "12. streamFailover 'headers': create() resolves within 20 ms of the bare SDK", '≤ 20 ms', `${fmt.ms(gap)} ms`, gap <= 20, `${fmt.ms(gap - 20)} ms over`)],
  ttftMs,
});
