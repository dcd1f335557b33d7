// Issue 16: what the SDK path adds per call — each SDK adapter (OpenAI, Anthropic, Gemini; a
// non-stream answer and a 3-event stream) over the same SDK unwrapped, and keymeshFetch over the
// bare `fetch` it wraps — in CPU µs, not wall time: the benchmark machine is shared, and CPU time
// of this process is what a neighbour's load disturbs least.
//
// Every upstream is in-process: a `fetch` that answers with a canned Response (the provider's
// JSON answer with its rate-limit headers, or a 3-event SSE stream), so the figures are Keymesh's
// own cost and the SDK's, not the network's. Subjects are interleaved: every run times each
// subject for a batch of calls, in an order that rotates from run to run, and every "added"
// figure is the median over runs of (wrapped − unwrapped) within the same run.
//
// keymeshFetch's wall-time figures, and the AI SDK on top of it, are in bench/fetch.mjs; here it
// is measured the same way as the adapters, so the one path they share is compared on one scale.
import { createKeymesh } from '@keymesh/core';
import { keymeshFetch } from '@keymesh/core/fetch';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { openaiChunk, openaiCompletion, openaiRateLimitHeaders, sse } from './canned-openai.mjs';
import { finish, fmt, median, table, target } from './harness.mjs';

const quick = process.env.BENCH_QUICK === '1';
const runs = quick ? 7 : 21;
const callsPerRun = quick ? 200 : 500;
/** Issue 16's target: at most this many CPU µs added per wrapped call. */
const targetUs = 10;

const keys = ['sk-test-bench-sdk-aaaaaaaaaaaaaaaa', 'sk-test-bench-sdk-bbbbbbbbbbbbbbbb', 'sk-test-bench-sdk-cccccccccccccccc'];

// ---- canned answers, one per provider --------------------------------------------------------------

const openaiJson = openaiCompletion;
const openaiStream = sse([[undefined, openaiChunk({ role: 'assistant', content: 'Hello' })], [undefined, openaiChunk({ content: '!' })], [undefined, openaiChunk({}, 'stop')]]);
const openaiHeaders = { ...openaiRateLimitHeaders, 'x-request-id': 'req_bench' };

const anthropicJson = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'Hello!' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 2 },
});
const anthropicStream = sse([
  ['message_start', { type: 'message_start', message: { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello!' } }],
  ['message_stop', { type: 'message_stop' }],
]);
const anthropicHeaders = {
  'anthropic-ratelimit-requests-limit': '4000',
  'anthropic-ratelimit-requests-remaining': '3999',
  'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:01Z',
  'anthropic-ratelimit-tokens-limit': '400000',
  'anthropic-ratelimit-tokens-remaining': '399990',
  'anthropic-ratelimit-tokens-reset': '2026-01-01T00:00:01Z',
  'request-id': 'req_bench',
};

const geminiAnswer = (text, finishReason) => ({
  candidates: [{ content: { role: 'model', parts: [{ text }] }, ...(finishReason ? { finishReason } : {}), index: 0 }],
  usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 },
  modelVersion: 'gemini-2.5-flash',
});
const geminiJson = JSON.stringify(geminiAnswer('Hello!', 'STOP'));
const geminiStream = sse([[undefined, geminiAnswer('Hel')], [undefined, geminiAnswer('lo')], [undefined, geminiAnswer('!', 'STOP')]]);

/** An in-process upstream: the JSON answer, or the stream when the request asks for one. */
function upstream(json, stream, headers, isStream) {
  return async (url, init) => {
    if (isStream(String(url), init)) return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream', ...headers } });
    return new Response(json, { status: 200, headers: { 'content-type': 'application/json', ...headers } });
  };
}
const bodyAsksStream = (_url, init) => typeof init?.body === 'string' && init.body.includes('"stream":true');
const openaiFetch = upstream(openaiJson, openaiStream, openaiHeaders, bodyAsksStream);
const anthropicFetch = upstream(anthropicJson, anthropicStream, anthropicHeaders, bodyAsksStream);
const geminiFetch = upstream(geminiJson, geminiStream, {}, (url) => url.includes(':streamGenerateContent'));

// ---- the subjects: each a pair (unwrapped, wrapped) making the same call ----------------------------

const drain = async (stream) => {
  for await (const _ of stream);
};

const openaiRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16 };
const openaiPlain = new OpenAI({ apiKey: 'sk-test-unused', fetch: openaiFetch, maxRetries: 0 });
const openaiPooled = createKeymesh({ client: new OpenAI({ apiKey: 'unused', fetch: openaiFetch }), keys });

const anthropicRequest = { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'Say hello.' }] };
const anthropicPlain = new Anthropic({ apiKey: 'sk-test-unused', fetch: anthropicFetch, maxRetries: 0 });
const anthropicPooled = createKeymesh({ client: new Anthropic({ apiKey: 'unused', fetch: anthropicFetch }), keys });

const geminiRequest = { model: 'gemini-2.5-flash', contents: 'Say hello.' };
const geminiPlain = new GoogleGenAI({ apiKey: 'sk-test-unused', httpOptions: { fetch: geminiFetch } });
const geminiPooled = createKeymesh({ client: new GoogleGenAI({ apiKey: 'unused', httpOptions: { fetch: geminiFetch } }), keys });

const fetchUrl = 'https://api.openai.com/v1/chat/completions';
const fetchBody = JSON.stringify(openaiRequest);
const fetchStreamBody = JSON.stringify({ ...openaiRequest, stream: true });
const pooledFetch = keymeshFetch({ provider: 'openai', keys, fetch: openaiFetch });
/** As the AI SDK calls a fetch: lower-case header object, JSON string body, the answer read to the end. */
const fetchCall = (fetch, body) => async () => {
  const response = await fetch(fetchUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer unused' }, body });
  await response.text();
};

const pairs = {
  'openai': [() => openaiPlain.chat.completions.create(openaiRequest), () => openaiPooled.chat.completions.create(openaiRequest)],
  'openai stream': [
    async () => drain(await openaiPlain.chat.completions.create({ ...openaiRequest, stream: true })),
    async () => drain(await openaiPooled.chat.completions.create({ ...openaiRequest, stream: true })),
  ],
  'anthropic': [() => anthropicPlain.messages.create(anthropicRequest), () => anthropicPooled.messages.create(anthropicRequest)],
  'anthropic stream': [
    async () => drain(await anthropicPlain.messages.create({ ...anthropicRequest, stream: true })),
    async () => drain(await anthropicPooled.messages.create({ ...anthropicRequest, stream: true })),
  ],
  'gemini': [() => geminiPlain.models.generateContent(geminiRequest), () => geminiPooled.models.generateContent(geminiRequest)],
  'gemini stream': [
    async () => drain(await geminiPlain.models.generateContentStream(geminiRequest)),
    async () => drain(await geminiPooled.models.generateContentStream(geminiRequest)),
  ],
  'keymeshFetch': [fetchCall(openaiFetch, fetchBody), fetchCall(pooledFetch, fetchBody)],
  'keymeshFetch stream': [fetchCall(openaiFetch, fetchStreamBody), fetchCall(pooledFetch, fetchStreamBody)],
};

/** CPU µs per call of `call` over `n` sequential calls. */
async function cpuPerCall(call, n) {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await call();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

/** `node bench/sdk-path.mjs openai 'openai stream'` measures only the pairs named. */
const only = process.argv.slice(2);
const chosen = Object.entries(pairs).filter(([name]) => only.length === 0 || only.includes(name));

async function measure() {
  const subjects = chosen.flatMap(([name, [plain, pooled]]) => [
    [`${name}|plain`, plain],
    [`${name}|pooled`, pooled],
  ]);
  for (const [, call] of subjects) await cpuPerCall(call, callsPerRun);
  const samples = Object.fromEntries(subjects.map(([name]) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < subjects.length; i++) {
      // Each pair is timed back to back (plain, pooled or pooled, plain), pairs in a rotating order.
      const [name, call] = subjects[(run * 2 + i) % subjects.length];
      samples[name].push(await cpuPerCall(call, callsPerRun));
    }
  }
  return Object.fromEntries(
    chosen.map(([name]) => {
      const plain = samples[`${name}|plain`];
      const pooled = samples[`${name}|pooled`];
      return [name, { plainUs: median(plain), pooledUs: median(pooled), addedUs: median(pooled.map((v, run) => v - plain[run])) }];
    }),
  );
}

if (process.env.SDK_PATH_PROFILE !== undefined) {
  // Profiling aid: `SDK_PATH_PROFILE=20000 node --cpu-prof bench/sdk-path.mjs openai` runs the wrapped call only.
  for (let i = 0; i < Number(process.env.SDK_PATH_PROFILE); i++) await chosen[0][1][1]();
  process.exit(0);
}
const measured = await measure();
const rows = Object.entries(measured).map(([name, m]) => [name, fmt.us(m.plainUs), fmt.us(m.pooledUs), fmt.us(m.addedUs), fmt.ratio(m.pooledUs / m.plainUs)]);
const tables = [
  table(
    '9. CPU µs added per call by each SDK adapter and by keymeshFetch (3 keys, in-process canned upstream)',
    ['subject', 'unwrapped CPU µs/call', 'wrapped CPU µs/call', 'added µs', 'wrapped / unwrapped'],
    rows,
    `openai@7 chat.completions.create, @anthropic-ai/sdk@1 messages.create, @google/genai@3 generateContent (stream: 3 events, iterated to the end) and keymeshFetch (a chat completion as the AI SDK sends it, answer read to the end), each over the same canned \`fetch\` unwrapped. Process CPU time (user + system), medians over ${runs} interleaved runs × ${callsPerRun} calls; "added" is the median of per-run differences. Target: ≤ ${targetUs} µs added per call.`,
  ),
];
const targets = Object.entries(measured).map(([name, m]) =>
  target('sdk-path', `9. ${name}: CPU µs added per call`, `≤ ${targetUs} µs`, `${fmt.us(m.addedUs)} µs`, m.addedUs <= targetUs, `+${fmt.us(m.addedUs - targetUs)} µs`),
);
finish('sdk-path', { measured, tables, targets });
