import { describe, expect, it } from 'vitest';
import { textLength } from './estimate-tokens.js';
import { readGeminiRequest, readGeminiUsage } from './gemini-request.js';

/** What `@ai-sdk/google` and @google/genai send to generateContent. */
const body = {
  contents: [
    { role: 'user', parts: [{ text: 'Plan a three-day trip to Kyoto.' }] },
    { role: 'model', parts: [{ text: 'Day one: Fushimi Inari at dawn.' }] },
    { role: 'user', parts: [{ text: 'And day two?' }, { inlineData: { mimeType: 'image/jpeg', data: 'A'.repeat(50_000) } }] },
  ],
  systemInstruction: { parts: [{ text: 'Answer briefly.' }] },
  generationConfig: { maxOutputTokens: 256, temperature: 0.2 },
  tools: [{ functionDeclarations: [{ name: 'weather', description: 'Weather in a city', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } } }] }],
};

describe('readGeminiRequest', () => {
  it('reads the model from the path and counts contents, system instruction and tools plus maxOutputTokens', () => {
    const info = readGeminiRequest('/v1beta/models/gemini-2.5-flash:generateContent', body);
    const prompt = Math.ceil((textLength(body.contents) + textLength(body.systemInstruction) + textLength(body.tools)) / 4);
    expect(info).toEqual({ model: 'gemini-2.5-flash', cost: { tokens: prompt + 256 } });
    expect(prompt).toBeLessThan(100);
  });

  it('reads every model path form: streaming with alt=sse, the SDK path without a version, tuned models, encoded names', () => {
    expect(readGeminiRequest('/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', body).model).toBe('gemini-2.5-pro');
    expect(readGeminiRequest('models/gemini-2.0-flash:generateContent', body).model).toBe('gemini-2.0-flash');
    expect(readGeminiRequest('/v1beta/tunedModels/my-model-1:generateContent', body).model).toBe('my-model-1');
    expect(readGeminiRequest('/v1beta/models/gemini%2D2.5-flash:generateContent', body).model).toBe('gemini-2.5-flash');
  });

  it('takes snake_case fields, multiplies by candidateCount and falls back to the default', () => {
    const snake = { contents: [{ parts: [{ text: 'abcd' }] }], generation_config: { max_output_tokens: 10, candidate_count: 2 } };
    const prompt = Math.ceil(textLength(snake.contents) / 4);
    expect(readGeminiRequest('/v1beta/models/m:generateContent', snake).cost).toEqual({ tokens: prompt + 20 });
    expect(readGeminiRequest('/v1beta/models/m:generateContent', { contents: snake.contents }, { defaultMaxOutputTokens: 5 }).cost).toEqual({ tokens: prompt + 5 });
  });

  it('reads embeddings (no output), and gives countTokens a model and no cost', () => {
    const content = { parts: [{ text: 'abcd'.repeat(20) }] };
    expect(readGeminiRequest('/v1beta/models/text-embedding-004:embedContent', { content }).cost).toEqual({ tokens: Math.ceil(textLength(content) / 4) });
    expect(readGeminiRequest('/v1beta/models/text-embedding-004:batchEmbedContents', { requests: [{ content }, { content }] }).cost!.tokens).toBeGreaterThan(40);
    expect(readGeminiRequest('/v1beta/models/gemini-2.5-flash:countTokens', body)).toEqual({ model: 'gemini-2.5-flash' });
  });

  it('reads nothing from a path without a model', () => {
    expect(readGeminiRequest('/v1beta/models', undefined)).toEqual({});
    expect(readGeminiRequest('/v1beta/files', body)).toEqual({});
    expect(readGeminiRequest('/v1beta/models/gemini-2.5-flash:generateContent', 'x')).toEqual({ model: 'gemini-2.5-flash' });
  });
});

describe('readGeminiUsage', () => {
  it('reads usageMetadata, thinking tokens counted as output', () => {
    const answer = { candidates: [], usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 30, thoughtsTokenCount: 100, totalTokenCount: 141 } };
    expect(readGeminiUsage(answer)).toEqual({ inputTokens: 11, outputTokens: 130, totalTokens: 141 });
  });
  it('reads the last chunk of a JSON-array stream', () => {
    expect(readGeminiUsage([{ candidates: [] }, { usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 3, totalTokenCount: 5 } }])).toEqual({ inputTokens: 2, outputTokens: 3, totalTokens: 5 });
  });
  it('is undefined without usageMetadata', () => {
    expect(readGeminiUsage({ embedding: { values: [0.1] } })).toBeUndefined();
    expect(readGeminiUsage([])).toBeUndefined();
  });
});
