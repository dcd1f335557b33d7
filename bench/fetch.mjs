// What `keymeshFetch` (@keymesh/core/fetch) adds to a call, beside what createKeymesh adds to an
// OpenAI SDK client.
//
// Every upstream is in-process: a `fetch` that returns a canned Response (a chat completion with
// OpenAI's rate-limit headers, or a short SSE stream), so the figures are Keymesh's own cost, not
// the network's. Each call is made as the frameworks make it (URL string, init with a header
// object and a JSON string body) and its body is read to the end. Subjects are timed side by side,
// interleaved run by run (harness.sideBySide); figures are medians of per-run differences.
//
//   1. fetch-level: a bare canned fetch vs keymeshFetch over it (3 keys), JSON and SSE answers
//   2. framework-level: the AI SDK's generateText on the canned fetch vs on keymeshFetch
//   3. the SDK adapter: openai@7 chat.completions.create, unwrapped vs createKeymesh (3 keys)
import { createOpenAI } from '@ai-sdk/openai';
import { createKeymesh } from '@keymesh/core';
import { keymeshFetch } from '@keymesh/core/fetch';
import { generateText } from 'ai';
import OpenAI from 'openai';
import { openaiChunk, openaiCompletion, openaiRateLimitHeaders, sse } from './canned-openai.mjs';
import { addedOver, finish, fmt, median, sideBySide, table, target } from './harness.mjs';

const quick = process.env.BENCH_QUICK === '1';
const fetchRuns = { runs: quick ? 5 : 15, iterations: quick ? 1_000 : 5_000 };
const frameworkRuns = { runs: quick ? 3 : 11, iterations: quick ? 300 : 1_000 };
/** "Within a few µs per call." */
const targetUs = 5;

const keys = ['sk-bench-fetch-aaaaaaaaaaaaaaaa', 'sk-bench-fetch-bbbbbbbbbbbbbbbb', 'sk-bench-fetch-cccccccccccccccc'];
const baseURL = 'https://api.openai.com/v1';
const url = `${baseURL}/chat/completions`;

const events = sse([[undefined, openaiChunk({ role: 'assistant', content: '' })], [undefined, openaiChunk({ content: 'Hello' })], [undefined, openaiChunk({ content: '!' })], [undefined, openaiChunk({}, 'stop')]], { done: true });

/** The in-process upstream: JSON for a plain request, SSE for `stream: true`. */
async function cannedFetch(_url, init) {
  if (init.body.includes('"stream":true')) {
    return new Response(events, { status: 200, headers: { 'content-type': 'text/event-stream', ...openaiRateLimitHeaders } });
  }
  return new Response(openaiCompletion, { status: 200, headers: { 'content-type': 'application/json', ...openaiRateLimitHeaders } });
}

const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one word.' }], max_tokens: 16 });
const streamBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one word.' }], max_tokens: 16, stream: true });
/** As the AI SDK calls a fetch: lower-case header object, JSON string body. */
const call = (fetch, payload) => async () => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer unused' }, body: payload });
  await response.text();
};

const pooled = keymeshFetch({ provider: 'openai', keys, baseURL, fetch: cannedFetch });

/**
 * sideBySide's schedule, timed in CPU time (user + system) rather than wall time: on a machine
 * shared with other work, wall time counts the time this process waits for a core.
 */
async function cpuSideBySide(subjects, { runs, iterations }) {
  const names = Object.keys(subjects);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(run + i) % names.length];
      const before = process.cpuUsage();
      for (let n = 0; n < iterations; n++) await subjects[name]();
      const used = process.cpuUsage(before);
      samples[name].push(((used.user + used.system) * 1000) / iterations);
    }
  }
  return Object.fromEntries(names.map((name) => [name, { samples: samples[name], median: median(samples[name]) }]));
}

const fetchSubjects = {
  bareJson: call(cannedFetch, body),
  keymeshJson: call(pooled, body),
  bareSse: call(cannedFetch, streamBody),
  keymeshSse: call(pooled, streamBody),
};
const fetchLevel = await sideBySide(fetchSubjects, fetchRuns);
const fetchCpu = await cpuSideBySide(fetchSubjects, fetchRuns);

const prompt = 'Say hello in one word.';
const plainAi = createOpenAI({ apiKey: 'unused', baseURL, fetch: cannedFetch });
const pooledAi = createOpenAI({ apiKey: 'unused', baseURL, fetch: keymeshFetch({ provider: 'openai', keys, baseURL, fetch: cannedFetch }) });
const plainSdk = new OpenAI({ apiKey: 'sk-unused', baseURL, fetch: cannedFetch, maxRetries: 0 });
const pooledSdk = createKeymesh({ client: new OpenAI({ apiKey: 'sk-unused', baseURL, fetch: cannedFetch }), keys });
const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], max_tokens: 16 };
const frameworkLevel = await sideBySide(
  {
    aiPlain: () => generateText({ model: plainAi.chat('gpt-4o-mini'), prompt, maxRetries: 0 }),
    aiPooled: () => generateText({ model: pooledAi.chat('gpt-4o-mini'), prompt, maxRetries: 0 }),
    sdkPlain: () => plainSdk.chat.completions.create(request),
    sdkPooled: () => pooledSdk.chat.completions.create(request),
  },
  frameworkRuns,
);

const us = (ns) => ns / 1000;
const cpuAdded = {
  json: us(addedOver(fetchCpu, 'keymeshJson', 'bareJson')),
  sse: us(addedOver(fetchCpu, 'keymeshSse', 'bareSse')),
};
const added = {
  json: us(addedOver(fetchLevel, 'keymeshJson', 'bareJson')),
  sse: us(addedOver(fetchLevel, 'keymeshSse', 'bareSse')),
  aiSdk: us(addedOver(frameworkLevel, 'aiPooled', 'aiPlain')),
  sdkAdapter: us(addedOver(frameworkLevel, 'sdkPooled', 'sdkPlain')),
};
const base = {
  json: us(fetchLevel.bareJson.median),
  sse: us(fetchLevel.bareSse.median),
  aiSdk: us(frameworkLevel.aiPlain.median),
  sdkAdapter: us(frameworkLevel.sdkPlain.median),
};

const tables = [
  table(
    '11. µs added per call by keymeshFetch (3 keys, in-process canned upstream), beside the SDK adapter',
    ['subject', 'without Keymesh µs/call', 'added by Keymesh µs/call', 'added, CPU µs/call'],
    [
      ['fetch, JSON answer (read in full)', fmt.us(base.json), fmt.us(added.json), fmt.us(cpuAdded.json)],
      ['fetch, SSE answer (5 events, read to the end)', fmt.us(base.sse), fmt.us(added.sse), fmt.us(cpuAdded.sse)],
      ['AI SDK generateText, openai.chat (on the canned fetch vs keymeshFetch)', fmt.us(base.aiSdk), fmt.us(added.aiSdk), '–'],
      ['openai@7 chat.completions.create (unwrapped vs createKeymesh)', fmt.us(base.sdkAdapter), fmt.us(added.sdkAdapter), '–'],
    ],
    `Calls made as the AI SDK makes them (URL string, header object, JSON string body); each answer read to the end. Medians of per-run differences over ${fetchRuns.runs} runs × ${fetchRuns.iterations} calls (fetch) and ${frameworkRuns.runs} × ${frameworkRuns.iterations} (frameworks), subjects interleaved; the CPU column times the same schedule in process CPU time, which a loaded machine inflates less. Target: keymeshFetch within ${targetUs} µs per call.`,
  ),
];
const targets = [
  target('fetch-json', '11. keymeshFetch: µs added per call (JSON answer)', `≤ ${targetUs} µs`, `${fmt.us(added.json)} µs`, added.json <= targetUs, `+${fmt.us(added.json - targetUs)} µs`),
  target('fetch-sse', '11. keymeshFetch: µs added per call (SSE answer)', `≤ ${targetUs} µs`, `${fmt.us(added.sse)} µs`, added.sse <= targetUs, `+${fmt.us(added.sse - targetUs)} µs`),
];
finish('fetch', { base, added, cpuAdded, tables, targets });
