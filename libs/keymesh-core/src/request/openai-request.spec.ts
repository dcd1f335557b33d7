import { describe, expect, it } from 'vitest';
import { readOpenAIRequest, readOpenAIUsage } from './openai-request.js';
import { textLength } from './estimate-tokens.js';

const system = 'You are a helpful assistant that answers in one short sentence.';
const question = 'What is the capital of France, and what river runs through it?';

/** What `@ai-sdk/openai`'s `openai.chat(model)` sends for a call with one tool. */
const chatBody = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: question },
  ],
  max_tokens: 200,
  tools: [
    {
      type: 'function',
      function: {
        name: 'weather',
        description: 'Get the weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      },
    },
  ],
  tool_choice: 'auto',
};

describe('readOpenAIRequest', () => {
  it('reads a chat completion: model, prompt characters / 4 plus max_tokens', () => {
    const info = readOpenAIRequest('/v1/chat/completions', chatBody);
    expect(info.model).toBe('gpt-4o-mini');
    const prompt = Math.ceil((textLength(chatBody.messages) + textLength(chatBody.tools)) / 4);
    expect(info.cost).toEqual({ tokens: prompt + 200 });
    // Text plus the structure's names: a few more tokens than the text alone, far fewer than the JSON.
    expect(prompt).toBeGreaterThan(Math.ceil((system.length + question.length) / 4));
    expect(prompt).toBeLessThan(Math.ceil(JSON.stringify(chatBody).length / 4));
  });

  it('reads the path as the SDK passes it (no /v1) and with a query', () => {
    expect(readOpenAIRequest('/chat/completions', chatBody)).toEqual(readOpenAIRequest('/v1/chat/completions?api-version=1', chatBody));
  });

  it('prefers max_completion_tokens, multiplies the output by n, and falls back to the configurable default', () => {
    const base = { model: 'o4-mini', messages: [{ role: 'user', content: 'x'.repeat(400) }] };
    const prompt = readOpenAIRequest('/chat/completions', { ...base, max_tokens: 0 }).cost!.tokens!;
    expect(readOpenAIRequest('/chat/completions', { ...base, max_tokens: 50, max_completion_tokens: 300 }).cost).toEqual({ tokens: prompt + 300 });
    expect(readOpenAIRequest('/chat/completions', { ...base, max_tokens: 50, n: 3 }).cost).toEqual({ tokens: prompt + 150 });
    expect(readOpenAIRequest('/chat/completions', base).cost).toEqual({ tokens: prompt + 1_024 });
    expect(readOpenAIRequest('/chat/completions', base, { defaultMaxOutputTokens: 64 }).cost).toEqual({ tokens: prompt + 64 });
  });

  it('counts content parts and leaves base64 images out', () => {
    const image = `data:image/png;base64,${'A'.repeat(200_000)}`;
    const body = {
      model: 'gpt-4o',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe this image.' }, { type: 'image_url', image_url: { url: image, detail: 'low' } }] }],
    };
    expect(readOpenAIRequest('/chat/completions', body).cost!.tokens).toBeLessThan(40);
  });

  it('reads a Responses API call (what `openai(model)` of @ai-sdk/openai sends): instructions, input items, max_output_tokens', () => {
    const body = {
      model: 'gpt-4.1',
      instructions: system,
      input: [{ role: 'user', content: [{ type: 'input_text', text: question }] }],
      max_output_tokens: 500,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { city: { type: 'string' } } } } },
    };
    const info = readOpenAIRequest('/v1/responses', body);
    expect(info.model).toBe('gpt-4.1');
    expect(info.cost!.tokens).toBe(Math.ceil((textLength(body.instructions) + textLength(body.input) + textLength(body.text)) / 4) + 500);
    expect(readOpenAIRequest('/responses', { model: 'gpt-4.1', input: 'Hi' }).cost).toEqual({ tokens: 1 + 1_024 });
  });

  it('reads embeddings (no output) with text or token-id input', () => {
    expect(readOpenAIRequest('/v1/embeddings', { model: 'text-embedding-3-small', input: ['abcd'.repeat(10), 'abcd'.repeat(5)] }).cost).toEqual({ tokens: 15 });
    expect(readOpenAIRequest('/v1/embeddings', { model: 'text-embedding-3-small', input: [1, 2, 3, 4, 5, 6, 7] }).cost).toEqual({ tokens: 7 });
  });

  it('reads legacy completions with their own default of 16 output tokens', () => {
    expect(readOpenAIRequest('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'abcd'.repeat(25) })).toEqual({ model: 'gpt-3.5-turbo-instruct', cost: { tokens: 25 + 16 } });
  });

  it('gives the model but no cost for other endpoints, and nothing for a body that is not an object', () => {
    expect(readOpenAIRequest('/v1/moderations', { model: 'omni-moderation-latest', input: 'x' })).toEqual({ model: 'omni-moderation-latest' });
    expect(readOpenAIRequest('/v1/chat/completions', undefined)).toEqual({});
    expect(readOpenAIRequest('/v1/chat/completions', 'not json')).toEqual({});
    expect(readOpenAIRequest('/v1/chat/completions', { model: 42, messages: 'odd', max_tokens: -3 }).model).toBeUndefined();
  });
});

describe('readOpenAIUsage', () => {
  it('reads chat completions usage', () => {
    const answer = { id: 'chatcmpl-1', object: 'chat.completion', choices: [], usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29, prompt_tokens_details: { cached_tokens: 0 } } };
    expect(readOpenAIUsage(answer)).toEqual({ inputTokens: 19, outputTokens: 10, totalTokens: 29 });
  });
  it('reads Responses API usage', () => {
    expect(readOpenAIUsage({ object: 'response', usage: { input_tokens: 36, output_tokens: 87, total_tokens: 123, output_tokens_details: { reasoning_tokens: 0 } } })).toEqual({
      inputTokens: 36,
      outputTokens: 87,
      totalTokens: 123,
    });
  });
  it('reads embeddings usage (no output)', () => {
    expect(readOpenAIUsage({ object: 'list', data: [], usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({ inputTokens: 8, totalTokens: 8 });
  });
  it('is undefined when the answer reports none', () => {
    expect(readOpenAIUsage({ object: 'chat.completion' })).toBeUndefined();
    expect(readOpenAIUsage({ usage: {} })).toBeUndefined();
    expect(readOpenAIUsage(null)).toBeUndefined();
  });
});
