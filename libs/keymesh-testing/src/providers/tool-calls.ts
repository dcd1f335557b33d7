import { SSE_HEADERS, sseFrame } from '../sse.js';
import type { RouteResult, WireContext } from '../wire.js';
import { asRecord, json } from './common.js';

/**
 * Tool calls, as the models make them: a request that offers tools and carries no tool result
 * yet is answered with a call to its first tool (arguments filled from the tool's JSON schema:
 * `"fake"` for strings, `1` for numbers, `true` for booleans); once a tool result is in the
 * conversation the fake answers with text. Enough for frameworks' tool loops (the AI SDK's
 * `streamText` with tools, LangChain's `bindTools`) to run against a fake.
 */
interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly args: Record<string, unknown>;
}

function argsFor(schema: unknown): Record<string, unknown> {
  const properties = asRecord(asRecord(schema)['properties']);
  const args: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    const type = String(asRecord(property)['type'] ?? '').toLowerCase();
    args[name] = type === 'number' || type === 'integer' ? 1 : type === 'boolean' ? true : type === 'string' ? 'fake' : null;
  }
  return args;
}

function callOf(name: unknown, schema: unknown, ctx: WireContext): ToolCall | undefined {
  return typeof name === 'string' ? { id: `call_${ctx.requestId}`, name, args: argsFor(schema) } : undefined;
}

/** Splits JSON arguments in two, so a stream carries them in deltas as the providers do. */
function halves(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

const stream = (frames: string[], terminator?: string): RouteResult => ({ type: 'stream', headers: SSE_HEADERS, frames, ...(terminator ? { terminator } : {}) });
const ok = (body: object): RouteResult => json({ status: 200, headers: { 'content-type': 'application/json' }, body });

/** OpenAI chat completions: `tools[].function`, results as `role: 'tool'` messages. */
export function openaiChatToolCall(body: Record<string, unknown>, base: object, usage: object, ctx: WireContext): RouteResult | undefined {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  if (!Array.isArray(body['tools']) || messages.some((m) => asRecord(m)['role'] === 'tool')) return undefined;
  const fn = asRecord(asRecord(body['tools'][0])['function']);
  const call = callOf(fn['name'], fn['parameters'], ctx);
  if (call === undefined) return undefined;
  const args = JSON.stringify(call.args);
  if (body['stream'] !== true) {
    const message = { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: args } }] };
    return ok({ ...base, object: 'chat.completion', choices: [{ index: 0, message, logprobs: null, finish_reason: 'tool_calls' }], usage });
  }
  const chunk = (delta: object, finishReason: string | null = null): string => sseFrame({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  const [first, second] = halves(args);
  const frames = [
    chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: first } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: second } }] }),
    chunk({}, 'tool_calls'),
  ];
  if (asRecord(body['stream_options'])['include_usage'] === true) frames.push(sseFrame({ ...base, object: 'chat.completion.chunk', choices: [], usage }));
  return stream(frames, sseFrame('[DONE]'));
}

/** OpenAI Responses: `tools[]` of `type: 'function'`, results as `function_call_output` input items. */
export function openaiResponsesToolCall(body: Record<string, unknown>, response: (status: string, output: object[]) => object, ctx: WireContext): RouteResult | undefined {
  const input = Array.isArray(body['input']) ? (body['input'] as unknown[]) : [];
  if (!Array.isArray(body['tools']) || input.some((item) => asRecord(item)['type'] === 'function_call_output')) return undefined;
  const tool = asRecord(body['tools'][0]);
  const call = callOf(tool['name'], tool['parameters'], ctx);
  if (call === undefined) return undefined;
  const args = JSON.stringify(call.args);
  const item = (status: string, text: string) => ({ type: 'function_call', id: `fc_${ctx.requestId}`, call_id: call.id, name: call.name, arguments: text, status });
  const done = response('completed', [item('completed', args)]);
  if (body['stream'] !== true) return ok(done);
  let sequence = 0;
  const event = (type: string, fields: object): string => sseFrame({ type, sequence_number: sequence++, ...fields }, { event: type });
  const at = { item_id: `fc_${ctx.requestId}`, output_index: 0 };
  return stream([
    event('response.created', { response: response('in_progress', []) }),
    event('response.output_item.added', { output_index: 0, item: item('in_progress', '') }),
    ...halves(args).map((delta) => event('response.function_call_arguments.delta', { ...at, delta })),
    event('response.function_call_arguments.done', { ...at, arguments: args }),
    event('response.output_item.done', { output_index: 0, item: item('completed', args) }),
    event('response.completed', { response: done }),
  ]);
}

/** Anthropic Messages: `tools[]` with `input_schema`, results as `tool_result` content blocks. */
export function anthropicToolCall(body: Record<string, unknown>, message: Record<string, unknown>, ctx: WireContext): RouteResult | undefined {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
  const hasResult = messages.some((m) => Array.isArray(asRecord(m)['content']) && (asRecord(m)['content'] as unknown[]).some((block) => asRecord(block)['type'] === 'tool_result'));
  if (!Array.isArray(body['tools']) || hasResult) return undefined;
  const tool = asRecord(body['tools'][0]);
  const call = callOf(tool['name'], tool['input_schema'], ctx);
  if (call === undefined) return undefined;
  const block = { type: 'tool_use', id: `toolu_${ctx.requestId}`, name: call.name, input: call.args };
  const answer = { ...message, content: [block], stop_reason: 'tool_use' };
  if (body['stream'] !== true) return ok(answer);
  const event = (type: string, fields: object = {}): string => sseFrame({ type, ...fields }, { event: type });
  const usage = asRecord(message['usage']);
  return stream([
    event('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 0 } } }),
    event('content_block_start', { index: 0, content_block: { ...block, input: {} } }),
    ...halves(JSON.stringify(call.args)).map((partial_json) => event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } })),
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: usage['output_tokens'] ?? 1 } }),
    event('message_stop'),
  ]);
}

/** Gemini: `tools[].functionDeclarations`, results as `functionResponse` parts. */
export function geminiToolCall(body: Record<string, unknown>, base: object, usageMetadata: object, isStream: boolean, ctx: WireContext): RouteResult | undefined {
  const contents = Array.isArray(body['contents']) ? (body['contents'] as unknown[]) : [];
  const parts = contents.flatMap((c) => (Array.isArray(asRecord(c)['parts']) ? (asRecord(c)['parts'] as unknown[]) : []));
  if (!Array.isArray(body['tools']) || parts.some((p) => asRecord(p)['functionResponse'] !== undefined)) return undefined;
  const declarations = asRecord(body['tools'][0])['functionDeclarations'];
  const declaration = asRecord(Array.isArray(declarations) ? declarations[0] : undefined);
  // `parametersJsonSchema` (plain JSON Schema) is what the AI SDK sends; `parameters` the OpenAPI subset.
  const call = callOf(declaration['name'], declaration['parameters'] ?? declaration['parametersJsonSchema'], ctx);
  if (call === undefined) return undefined;
  const answer = { candidates: [{ content: { parts: [{ functionCall: { name: call.name, args: call.args } }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata, ...base };
  return isStream ? stream([sseFrame(answer, { eol: '\r\n' })]) : ok(answer);
}
