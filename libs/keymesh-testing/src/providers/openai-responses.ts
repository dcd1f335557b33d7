import { SSE_HEADERS, sseFrame, textPieces } from '../sse.js';
import { roughTokens, type RouteResult, type WireContext, type WireRequest } from '../wire.js';
import { asRecord, json } from './common.js';
import { openaiResponsesToolCall } from './tool-calls.js';

/**
 * `POST /v1/responses`, non-stream and stream. The stream carries the item/part lifecycle events
 * because the SDK's `responses.stream()` helper builds its snapshot from them.
 */
export function responsesRoute(req: WireRequest, ctx: WireContext): RouteResult {
  const body = asRecord(req.body);
  if (typeof body['model'] !== 'string' || body['input'] === undefined) {
    return json({
      status: 400,
      headers: { 'content-type': 'application/json', 'x-request-id': `req_${ctx.requestId}` },
      body: { error: { message: "Missing required parameters: 'model' and 'input'.", type: 'invalid_request_error', param: null, code: 'missing_required_parameter' } },
    });
  }
  const text = ctx.text;
  const pieces = textPieces(text);
  const itemId = `msg_${ctx.requestId}`;
  const inputTokens = roughTokens(body['input']);
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: pieces.length,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + pieces.length,
  };
  const part = (t: string) => ({ type: 'output_text', text: t, annotations: [], logprobs: [] });
  const message = (status: string, content: object[]) => ({ type: 'message', id: itemId, status, role: 'assistant', content });
  const response = (status: string, output: object[], u: object | null) => ({
    id: `resp_${ctx.requestId}`,
    object: 'response',
    created_at: Math.floor(ctx.now / 1000),
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: body['model'],
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: u,
    metadata: {},
  });
  const toolCall = openaiResponsesToolCall(body, (status, output) => response(status, output, status === 'completed' ? usage : null), ctx);
  if (toolCall) return toolCall;
  const done = response('completed', [message('completed', [part(text)])], usage);
  if (body['stream'] !== true) return json({ status: 200, headers: { 'content-type': 'application/json' }, body: done });

  let sequence = 0;
  const event = (type: string, fields: object): string => sseFrame({ type, sequence_number: sequence++, ...fields }, { event: type });
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  const frames = [
    event('response.created', { response: response('in_progress', [], null) }),
    event('response.output_item.added', { output_index: 0, item: message('in_progress', []) }),
    event('response.content_part.added', { ...at, part: part('') }),
    ...pieces.map((delta) => event('response.output_text.delta', { ...at, delta, logprobs: [] })),
    event('response.output_text.done', { ...at, text, logprobs: [] }),
    event('response.content_part.done', { ...at, part: part(text) }),
    event('response.output_item.done', { output_index: 0, item: message('completed', [part(text)]) }),
    event('response.completed', { response: done }),
  ];
  return { type: 'stream', headers: SSE_HEADERS, frames };
}
