import { describe, expect, it } from 'vitest';
import { usageOfAnswer } from './answer-usage.js';

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('usageOfAnswer', () => {
  it('reads the usage object of each provider, after text in any script', () => {
    const openai = { choices: [{ message: { content: 'héllo – 你好 🙂' } }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } };
    expect(usageOfAnswer('openai', bytes(openai))).toEqual({ inputTokens: 5, outputTokens: 2, totalTokens: 7 });
    expect(usageOfAnswer('anthropic', bytes({ content: [{ text: 'ü' }], usage: { input_tokens: 3, output_tokens: 4 } }))).toEqual({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });
    expect(usageOfAnswer('gemini', bytes({ candidates: [], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 } }))).toEqual({ inputTokens: 1, outputTokens: 2, totalTokens: 3 });
  });

  it('is not fooled by model text that spells the field, and finds it at the very start', () => {
    const answer = { usage: { prompt_tokens: 1, completion_tokens: 1 }, choices: [{ message: { content: '"usage": {"prompt_tokens": 999}' } }] };
    expect(usageOfAnswer('openai', bytes(answer))).toEqual({ inputTokens: 1, outputTokens: 1, totalTokens: 2 });
  });

  it('answers undefined for an answer without usage, a truncated one and one too short to hold the field', () => {
    expect(usageOfAnswer('openai', bytes({ choices: [] }))).toBeUndefined();
    expect(usageOfAnswer('openai', bytes('{"usage": {"prompt_tokens": 1'))).toBeUndefined();
    expect(usageOfAnswer('openai', bytes('"us'))).toBeUndefined();
    expect(usageOfAnswer('gemini', bytes({ usage: { prompt_tokens: 1 } }))).toBeUndefined();
  });
});
