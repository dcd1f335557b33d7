// The canned OpenAI answer the in-process benchmarks serve (overhead 1b, SDK path 9, keymeshFetch
// 11): one chat completion, its stream, and the rate-limit headers OpenAI sends, so a wrapped
// client does the work it does in production.
export const openaiCompletion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!', refusal: null }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

export const openaiRateLimitHeaders = {
  'x-ratelimit-limit-requests': '10000',
  'x-ratelimit-remaining-requests': '9999',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-limit-tokens': '2000000',
  'x-ratelimit-remaining-tokens': '1999990',
  'x-ratelimit-reset-tokens': '0s',
};

/** One `chat.completion.chunk`. */
export const openaiChunk = (delta, finish = null) => ({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] });

/** SSE bytes of `[eventName | undefined, data]` pairs; `done` ends them with OpenAI's `data: [DONE]`. */
export const sse = (events, { done = false } = {}) =>
  new TextEncoder().encode(events.map(([name, data]) => `${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(data)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : ''));
