import { readAnthropicRequest, readGeminiRequest, readOpenAIRequest } from '@keymesh/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProviderName, WireRequest } from '../wire.js';
import { requestCost } from './request-cost.js';

const post = (path: string, body: unknown): WireRequest => ({ method: 'POST', path, query: new URLSearchParams(), headers: {}, body });
const cost = (provider: ProviderName, path: string, body: unknown, defaultMaxOutput = 1_024) => requestCost(provider, post(path, body), defaultMaxOutput);

const text = fc.string({ maxLength: 40 });
const part = fc.oneof(text, fc.record({ type: fc.constant('text'), text }), fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.constant('data:image/png;base64,AAAA') }) }));
const message = fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: fc.oneof(text, fc.array(part, { maxLength: 3 })) });
const maxTokens = fc.option(fc.integer({ min: 0, max: 4_000 }), { nil: undefined });
const tools = fc.option(fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: text, parameters: fc.record({ type: fc.constant('object') }) }) }), { maxLength: 2 }), { nil: undefined });

describe('requestCost', () => {
  it('counts every string and key of the prompt, not media, and the maximum output', () => {
    expect(cost('openai', '/v1/chat/completions', { model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).toEqual({ model: 'gpt-4o', inputTokens: 5, outputTokens: 10 });
    const image = { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'A'.repeat(10_000) } }] };
    expect(cost('openai', '/v1/chat/completions', { model: 'gpt-4o', n: 3, max_tokens: 10, messages: [image] })?.inputTokens).toBeLessThan(20);
    expect(cost('openai', '/v1/chat/completions', { model: 'gpt-4o', n: 3, max_tokens: 10, messages: [] })?.outputTokens).toBe(30);
    expect(cost('openai', '/v1/chat/completions', { model: 'gpt-4o', messages: [] }, 777)?.outputTokens).toBe(777);
    expect(cost('openai', '/v1/embeddings', { model: 'text-embedding-3-small', input: [1, 2, 3] })).toEqual({ model: 'text-embedding-3-small', inputTokens: 3, outputTokens: 0 });
    expect(cost('anthropic', '/v1/messages/count_tokens', { model: 'claude-sonnet-4-5', messages: [] })).toBeUndefined();
    expect(cost('gemini', '/v1beta/models/gemini-2.5-flash:countTokens', { contents: [] })).toBeUndefined();
    expect(cost('gemini', '/v1/models/gemini-2.5-flash:generateContent', { contents: [], generationConfig: { maxOutputTokens: 8, candidateCount: 2 } })).toEqual({ model: 'gemini-2.5-flash', inputTokens: 0, outputTokens: 16 });
  });

  it("property: agrees to the token with Keymesh's own estimate, so a pool's reservations match the fake's counts", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 4 }), maxTokens, tools, fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), (messages, max, toolList, n) => {
        const openai = { model: 'gpt-4o', messages, max_tokens: max, tools: toolList, n };
        const fake = cost('openai', '/v1/chat/completions', openai)!;
        expect(fake.inputTokens + fake.outputTokens).toBe(readOpenAIRequest('/v1/chat/completions', openai).cost?.tokens);
        const anthropic = { model: 'claude-sonnet-4-5', system: messages[0]?.role, messages, max_tokens: max, tools: toolList };
        const a = cost('anthropic', '/v1/messages', anthropic)!;
        const core = readAnthropicRequest('/v1/messages', anthropic).cost;
        expect([a.inputTokens, a.outputTokens]).toEqual([core?.inputTokens, core?.outputTokens]);
        const gemini = { contents: messages.map((m) => ({ role: m.role, parts: [{ text: JSON.stringify(m.content) }] })), generationConfig: { maxOutputTokens: max } };
        const g = cost('gemini', '/v1beta/models/gemini-2.5-flash:generateContent', gemini)!;
        expect(g.inputTokens + g.outputTokens).toBe(readGeminiRequest('/v1beta/models/gemini-2.5-flash:generateContent', gemini).cost?.tokens);
      }),
    );
  });
});
