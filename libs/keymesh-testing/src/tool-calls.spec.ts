import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT } from './index.js';
import { useFakes } from './__tests__/fakes.js';

const start = useFakes();
const schema = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, metric: { type: 'boolean' } }, required: ['city'] };
const args = { city: 'fake', days: 1, metric: true };

describe('tool calls with the real SDKs', () => {
  it('openai chat completions: a call to the first tool, streamed in argument deltas; text once a tool result is in', async () => {
    const fake = await start({ provider: 'openai', keys: { k: { kind: 'ok' } } });
    const openai = new OpenAI({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
    const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: schema } }];
    const messages = [{ role: 'user' as const, content: 'Weather?' }];
    const answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
    expect(answer.choices[0]!.finish_reason).toBe('tool_calls');
    const call = answer.choices[0]!.message.tool_calls![0]! as { id: string; function: { name: string; arguments: string } };
    expect(call.function.name).toBe('weather');
    expect(JSON.parse(call.function.arguments)).toEqual(args);
    const streamed = await openai.chat.completions.stream({ model: 'gpt-4o-mini', messages, tools }).finalChatCompletion();
    expect(streamed.choices[0]!.message.tool_calls).toMatchObject([{ function: { name: 'weather', arguments: JSON.stringify(args) } }]);
    const after = await openai.chat.completions.create({ model: 'gpt-4o-mini', tools, messages: [...messages, { role: 'assistant', tool_calls: [call as never] }, { role: 'tool', tool_call_id: call.id, content: 'Sunny' }] });
    expect(after.choices[0]!.message.content).toBe(DEFAULT_TEXT);
  });

  it('openai responses: a function_call item, streamed; text once a function_call_output is in', async () => {
    const fake = await start({ provider: 'openai', keys: { k: { kind: 'ok' } } });
    const openai = new OpenAI({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
    const tools = [{ type: 'function' as const, name: 'weather', parameters: schema, strict: false }];
    const answer = await openai.responses.create({ model: 'gpt-4.1', input: 'Weather?', tools });
    expect(answer.output[0]).toMatchObject({ type: 'function_call', name: 'weather', arguments: JSON.stringify(args) });
    const final = await openai.responses.stream({ model: 'gpt-4.1', input: 'Weather?', tools }).finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'function_call', name: 'weather' });
    const callId = (answer.output[0] as { call_id: string }).call_id;
    const after = await openai.responses.create({ model: 'gpt-4.1', tools, input: [{ type: 'function_call_output', call_id: callId, output: 'Sunny' }] });
    expect(after.output_text).toBe(DEFAULT_TEXT);
  });

  it('anthropic: a tool_use block, streamed as input_json_delta; text once a tool_result is in', async () => {
    const fake = await start({ provider: 'anthropic', keys: { k: { kind: 'ok' } } });
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
    const tools = [{ name: 'weather', input_schema: schema as Anthropic.Tool.InputSchema }];
    const messages = [{ role: 'user' as const, content: 'Weather?' }];
    const answer = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages, tools });
    expect(answer.stop_reason).toBe('tool_use');
    expect(answer.content[0]).toMatchObject({ type: 'tool_use', name: 'weather', input: args });
    const final = await anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages, tools }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'tool_use', input: args });
    const id = (answer.content[0] as { id: string }).id;
    const after = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      tools,
      messages: [...messages, { role: 'assistant', content: answer.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'Sunny' }] }],
    });
    expect(after.content[0]).toMatchObject({ type: 'text', text: DEFAULT_TEXT });
  });

  it('gemini: a functionCall part; text once a functionResponse is in', async () => {
    const fake = await start({ provider: 'gemini', keys: { k: { kind: 'ok' } } });
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: fake.url } });
    const config = { tools: [{ functionDeclarations: [{ name: 'weather', parametersJsonSchema: schema }] }] };
    const answer = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Weather?', config });
    expect(answer.functionCalls).toEqual([{ name: 'weather', args }]);
    let streamed: unknown;
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Weather?', config })) streamed = chunk.functionCalls;
    expect(streamed).toEqual([{ name: 'weather', args }]);
    const after = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      config,
      contents: [{ role: 'user', parts: [{ text: 'Weather?' }] }, { role: 'model', parts: [{ functionCall: { name: 'weather', args } }] }, { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { sky: 'sunny' } } }] }],
    });
    expect(after.text).toBe(DEFAULT_TEXT);
  });
});
