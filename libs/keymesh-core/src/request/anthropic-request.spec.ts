import { describe, expect, it } from 'vitest';
import { readAnthropicRequest, readAnthropicUsage } from './anthropic-request.js';
import { textLength } from './estimate-tokens.js';

/** What `@ai-sdk/anthropic` and `ChatAnthropic` send to the Messages API. */
const body = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1_000,
  system: [{ type: 'text', text: 'You are a careful assistant.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Summarise the attached report in three bullet points.' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'lookup', input: { query: 'report' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'Revenue grew 12% year over year.' }] },
  ],
  tools: [{ name: 'lookup', description: 'Search the archive', input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }],
  stream: true,
};

describe('readAnthropicRequest', () => {
  it('counts input (system, messages, tools) and output (max_tokens) apart', () => {
    const info = readAnthropicRequest('/v1/messages', body);
    const inputTokens = Math.ceil((textLength(body.system) + textLength(body.messages) + textLength(body.tools)) / 4);
    expect(info).toEqual({ model: 'claude-sonnet-4-5', cost: { inputTokens, outputTokens: 1_000, tokens: inputTokens + 1_000 } });
  });

  it('leaves base64 images and documents out', () => {
    const image = { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(100_000) } }, { type: 'text', text: 'What is this?' }] };
    expect(readAnthropicRequest('/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 5, messages: [image] }).cost!.inputTokens).toBeLessThan(40);
  });

  it('takes a string system prompt and the configurable default when max_tokens is missing', () => {
    const info = readAnthropicRequest('/v1/messages', { model: 'claude-haiku-4-5', system: 'abcd'.repeat(10), messages: [] }, { defaultMaxOutputTokens: 77 });
    expect(info.cost).toEqual({ inputTokens: 10, outputTokens: 77, tokens: 87 });
  });

  it('gives count_tokens and other endpoints a model and no cost', () => {
    expect(readAnthropicRequest('/v1/messages/count_tokens', { model: 'claude-sonnet-4-5', messages: [] })).toEqual({ model: 'claude-sonnet-4-5' });
    expect(readAnthropicRequest('/v1/models', undefined)).toEqual({});
  });
});

describe('readAnthropicUsage', () => {
  it('reads input (cache reads and writes included) and output', () => {
    const answer = { type: 'message', usage: { input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 2_000, output_tokens: 45 } };
    expect(readAnthropicUsage(answer)).toEqual({ inputTokens: 2_112, outputTokens: 45, totalTokens: 2_157 });
    expect(readAnthropicUsage({ usage: { input_tokens: 3, output_tokens: 4 } })).toEqual({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });
  });
  it('is undefined without usage', () => {
    expect(readAnthropicUsage({ type: 'message' })).toBeUndefined();
    expect(readAnthropicUsage('text')).toBeUndefined();
  });
});
