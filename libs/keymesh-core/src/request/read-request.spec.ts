import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textLength } from './estimate-tokens.js';
import { checkRequestCostOptions, readRequestInfo } from './read-request.js';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 10 };

describe('readRequestInfo', () => {
  it('dispatches to the provider reader', () => {
    expect(readRequestInfo('openai', '/v1/chat/completions', chat)).toEqual({ model: 'gpt-4o-mini', cost: { tokens: expect.any(Number) } });
    expect(readRequestInfo('anthropic', '/v1/messages', { ...chat, model: 'claude-haiku-4-5' }).cost).toHaveProperty('inputTokens');
    expect(readRequestInfo('gemini', '/v1beta/models/gemini-2.5-flash:generateContent', {}).model).toBe('gemini-2.5-flash');
  });

  it('lets estimateTokens replace the estimate, seeing Keymesh’s own; a number is total tokens', () => {
    const seen: unknown[] = [];
    const info = readRequestInfo('openai', '/v1/chat/completions', chat, {
      estimateTokens: (request) => {
        seen.push(request);
        return 99;
      },
    });
    expect(info).toEqual({ model: 'gpt-4o-mini', cost: { tokens: 99 } });
    expect(seen).toEqual([{ provider: 'openai', path: '/v1/chat/completions', body: chat, model: 'gpt-4o-mini', estimate: readRequestInfo('openai', '/v1/chat/completions', chat).cost }]);
    expect(readRequestInfo('anthropic', '/v1/messages', chat, { estimateTokens: () => ({ inputTokens: 5, outputTokens: 7 }) }).cost).toEqual({ inputTokens: 5, outputTokens: 7 });
    expect(readRequestInfo('openai', '/v1/chat/completions', chat, { estimateTokens: () => undefined })).toEqual({ model: 'gpt-4o-mini' });
  });

  it('fails the request with a typed error when estimateTokens returns nonsense', () => {
    expect(() => readRequestInfo('openai', '/v1/chat/completions', chat, { estimateTokens: () => Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_NUMBER' }));
    expect(() => readRequestInfo('openai', '/v1/chat/completions', chat, { estimateTokens: () => ({ tokens: -1 }) })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_NUMBER' }));
    expect(() => readRequestInfo('openai', '/v1/chat/completions', chat, { estimateTokens: () => 'many' as never })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_OPTION' }));
  });
});

describe('checkRequestCostOptions', () => {
  it('fills the default and refuses bad values naming the option', () => {
    expect(checkRequestCostOptions({})).toEqual({ defaultMaxOutputTokens: 1_024, estimateTokens: undefined });
    expect(() => checkRequestCostOptions({ defaultMaxOutputTokens: -1 })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_NUMBER', option: 'defaultMaxOutputTokens' }));
    expect(() => checkRequestCostOptions({ estimateTokens: 5 as never })).toThrow(expect.objectContaining({ code: 'ERR_KEYMESH_INVALID_OPTION', option: 'estimateTokens' }));
  });
});

describe('textLength', () => {
  it('is at most the JSON length of a message list and grows with every added character of text', () => {
    const message = fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: fc.string() });
    fc.assert(
      fc.property(fc.array(message), fc.string({ minLength: 1 }), (messages, extra) => {
        expect(textLength(messages)).toBeLessThanOrEqual(JSON.stringify(messages).length);
        const longer = [...messages, { role: 'user', content: extra }];
        expect(textLength(longer)).toBe(textLength(messages) + 'role'.length + 'user'.length + 'content'.length + (extra.startsWith('data:') ? 0 : extra.length));
      }),
    );
  });
});

describe('a hostile body', () => {
  it('nested 20,000 levels deep is estimated without overflowing the stack (past 64 levels nothing counts)', () => {
    let deep: unknown = 'x'.repeat(400);
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const info = readRequestInfo('openai', '/v1/chat/completions', { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: deep }] }, {});
    expect(info.model).toBe('gpt-4o-mini');
    expect(info.cost?.tokens).toBeGreaterThanOrEqual(10);
  });
});
