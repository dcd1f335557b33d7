import { openaiDuration, retryAfterSeconds } from '../hint-format.js';
import { cursorPage } from '../pagination.js';
import type { QuotaVerdict } from '../quota/quota-ledger.js';
import type { LimitName } from '../quota/quota-options.js';
import type { RateState } from '../rate-window.js';
import { SSE_HEADERS, sseFrame, textPieces } from '../sse.js';
import {
  maskKey,
  positiveInt,
  roughTokens,
  type LimitWire,
  type ProviderWire,
  type RouteResult,
  type WireContext,
  type WireRequest,
  type WireResponse,
} from '../wire.js';
import { asRecord, embed, json } from './common.js';
import { responsesRoute } from './openai-responses.js';
import { openaiChatToolCall } from './tool-calls.js';

export const OPENAI_MODELS: readonly string[] = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini'];

/** Token headers mirror the request window at this many tokens per request. */
const TOKENS_PER_REQUEST = 1000;
const FINGERPRINT = 'fp_keymesh';

interface ErrorShape {
  readonly type: string;
  readonly code: string | null;
  readonly message: string;
}

const INVALID_KEY: ErrorShape = {
  type: 'invalid_request_error',
  code: 'invalid_api_key',
  message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
};

const OVERLOADED: ErrorShape = {
  type: 'server_error',
  code: null,
  message: 'That model is currently overloaded with other requests. You can retry your request.',
};

const STATUS_ERRORS: Readonly<Record<number, ErrorShape>> = {
  400: { type: 'invalid_request_error', code: null, message: 'We could not process the request body: check the JSON and its parameters.' },
  401: INVALID_KEY,
  403: { type: 'request_forbidden', code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  409: { type: 'invalid_request_error', code: 'conflict', message: 'The request conflicts with another request in progress.' },
  422: { type: 'invalid_request_error', code: null, message: 'The request was understood but cannot be processed.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  502: { type: 'server_error', code: null, message: 'Bad gateway.' },
  503: OVERLOADED,
};

function errorResponse(status: number, shape: ErrorShape, ctx: WireContext, headers: Record<string, string> = {}): WireResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': `req_${ctx.requestId}`, ...headers },
    body: { error: { message: shape.message, type: shape.type, param: null, code: shape.code } },
  };
}

function dimensionHeaders(dimension: 'requests' | 'tokens', limit: number, remaining: number, resetMs: number): Record<string, string> {
  return {
    [`x-ratelimit-limit-${dimension}`]: String(limit),
    [`x-ratelimit-remaining-${dimension}`]: String(remaining),
    [`x-ratelimit-reset-${dimension}`]: openaiDuration(resetMs),
  };
}

function rateHeaders(rate: RateState, resetMs: number): Record<string, string> {
  return {
    ...dimensionHeaders('requests', rate.limit, rate.remaining, resetMs),
    ...dimensionHeaders('tokens', rate.limit * TOKENS_PER_REQUEST, rate.remaining * TOKENS_PER_REQUEST, resetMs),
  };
}

const DIMENSION: Partial<Record<LimitName, { readonly header: 'requests' | 'tokens'; readonly label: string }>> = {
  requestsPerMinute: { header: 'requests', label: 'requests per min (RPM)' },
  tokensPerMinute: { header: 'tokens', label: 'tokens per min (TPM)' },
};

/** OpenAI reports an organisation's limit for the model: `x-ratelimit-*-requests|tokens`, resets like `6m0s`. */
function limitHeaders(verdict: QuotaVerdict): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const r of verdict.readings) {
    const d = DIMENSION[r.name];
    if (d) Object.assign(headers, dimensionHeaders(d.header, r.limit, r.remaining, r.resetMs));
  }
  return headers;
}

const RATE_LIMITS_URL = 'Visit https://platform.openai.com/account/rate-limits to learn more.';

const limits: LimitWire = {
  headers: (verdict) => limitHeaders(verdict),
  exceeded(verdict, hints, ctx) {
    const binding = verdict.exceeded[0];
    const d = DIMENSION[binding.name] ?? { header: 'requests', label: binding.name };
    const where = `for ${verdict.model} in organization ${verdict.organization} on ${d.label}`;
    const headers: Record<string, string> = hints.has('reset-headers') ? limitHeaders(verdict) : {};
    // A request larger than the whole limit cannot succeed later: the real answer names no wait.
    if (verdict.tooLarge) {
      const message = `Request too large ${where}: Limit ${binding.limit}, Requested ${binding.requested}. The input or output tokens must be reduced in order to run successfully. ${RATE_LIMITS_URL}`;
      return errorResponse(429, { type: d.header, code: 'rate_limit_exceeded', message }, ctx, headers);
    }
    if (hints.has('retry-after')) headers['retry-after'] = retryAfterSeconds(binding.resetMs);
    if (hints.has('retry-after-ms')) headers['retry-after-ms'] = String(Math.ceil(binding.resetMs));
    const message =
      `Rate limit reached ${where}: Limit ${binding.limit}, Used ${binding.used}, Requested ${binding.requested}. ` +
      `Please try again in ${openaiDuration(binding.resetMs)}. ${RATE_LIMITS_URL}`;
    return errorResponse(429, { type: d.header, code: 'rate_limit_exceeded', message }, ctx, headers);
  },
};

function chat(req: WireRequest, ctx: WireContext): RouteResult {
  const body = asRecord(req.body);
  if (typeof body['model'] !== 'string' || !Array.isArray(body['messages'])) {
    return json(errorResponse(400, { type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameters: 'model' and 'messages'." }, ctx));
  }
  const pieces = textPieces(ctx.text);
  const base = { id: `chatcmpl-${ctx.requestId}`, created: Math.floor(ctx.now / 1000), model: body['model'], service_tier: 'default', system_fingerprint: FINGERPRINT };
  const promptTokens = roughTokens(body['messages']);
  const usage = { prompt_tokens: promptTokens, completion_tokens: pieces.length, total_tokens: promptTokens + pieces.length };
  const toolCall = openaiChatToolCall(body, base, usage, ctx);
  if (toolCall) return toolCall;
  if (body['stream'] !== true) {
    const message = { role: 'assistant', content: ctx.text, refusal: null, annotations: [] };
    return json({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { ...base, object: 'chat.completion', choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }], usage },
    });
  }
  const chunk = (delta: object, finishReason: string | null = null): string =>
    sseFrame({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  const frames = [chunk({ role: 'assistant', content: '', refusal: null }), ...pieces.map((content) => chunk({ content })), chunk({}, 'stop')];
  if (asRecord(body['stream_options'])['include_usage'] === true) {
    frames.push(sseFrame({ ...base, object: 'chat.completion.chunk', choices: [], usage }));
  }
  return { type: 'stream', headers: SSE_HEADERS, frames, terminator: sseFrame('[DONE]') };
}

function embeddings(req: WireRequest, ctx: WireContext): RouteResult {
  const body = asRecord(req.body);
  const input = body['input'];
  if (typeof body['model'] !== 'string' || input === undefined) {
    return json(errorResponse(400, { type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameters: 'model' and 'input'." }, ctx));
  }
  const inputs = Array.isArray(input) && input.every((x) => typeof x === 'string') ? (input as string[]) : [JSON.stringify(input)];
  // openai 7 asks for base64 by default and decodes it itself, so both encodings must be right.
  const base64 = body['encoding_format'] === 'base64';
  const data = inputs.map((text, index) => {
    const vector = embed(text);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = roughTokens(inputs.join(' '));
  return json({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: { object: 'list', data, model: body['model'], usage: { prompt_tokens: tokens, total_tokens: tokens } },
  });
}

function modelObject(id: string): object {
  return { id, object: 'model', created: 1_700_000_000, owned_by: 'openai' };
}

/**
 * The real endpoint answers everything in one page, and openai 7's `models.list()` reads a single
 * page (it is a `Page`, not a `CursorPage`); cursor paging is only done when the request asks
 * with `limit` or `after`, which is what a `CursorPage` sends.
 */
function modelList(req: WireRequest, ctx: WireContext): RouteResult {
  const all = ctx.models.map((id) => ({ id }));
  const limit = positiveInt(req.query.get('limit'));
  const after = req.query.get('after') ?? undefined;
  const ok = (body: object): RouteResult => json({ status: 200, headers: { 'content-type': 'application/json' }, body });
  if (limit === undefined && after === undefined) return ok({ object: 'list', data: all.map((m) => modelObject(m.id)) });
  const page = cursorPage(all, (m) => m.id, { after, limit: limit ?? 20 });
  const data = page.items.map((m) => modelObject(m.id));
  return ok({ object: 'list', data, first_id: page.items[0]?.id ?? null, last_id: page.items.at(-1)?.id ?? null, has_more: page.hasMore });
}

function route(req: WireRequest, ctx: WireContext): RouteResult {
  const { method, path } = req;
  if (method === 'POST' && path === '/v1/chat/completions') return chat(req, ctx);
  if (method === 'POST' && path === '/v1/responses') return responsesRoute(req, ctx);
  if (method === 'POST' && path === '/v1/embeddings') return embeddings(req, ctx);
  if (method === 'GET' && path === '/v1/models') return modelList(req, ctx);
  const model = /^\/v1\/models\/([^/]+)$/.exec(path);
  if (method === 'GET' && model) {
    const id = decodeURIComponent(model[1]);
    if (ctx.models.includes(id)) return json({ status: 200, headers: { 'content-type': 'application/json' }, body: modelObject(id) });
    return json(errorResponse(404, { ...STATUS_ERRORS[404], message: `The model '${id}' does not exist` }, ctx));
  }
  return json(errorResponse(404, { type: 'invalid_request_error', code: null, message: `Invalid URL (${method} ${path})` }, ctx));
}

export const openaiWire: ProviderWire = {
  name: 'openai',
  basePath: '/v1',
  credentialSources: [{ header: 'authorization', scheme: 'bearer' }],
  defaultHints: ['retry-after', 'retry-after-ms', 'reset-headers'],
  isStream: (req) => asRecord(req.body)['stream'] === true,
  route,
  successHeaders: (rate, ctx) => ({
    'x-request-id': `req_${ctx.requestId}`,
    'openai-processing-ms': '1',
    'openai-version': '2020-10-01',
    ...(rate ? rateHeaders(rate, rate.resetMs) : {}),
  }),
  rateLimited({ rate, retryAfterMs, hints }, ctx) {
    const headers: Record<string, string> = {};
    if (hints.has('retry-after')) headers['retry-after'] = retryAfterSeconds(retryAfterMs);
    if (hints.has('retry-after-ms')) headers['retry-after-ms'] = String(Math.ceil(retryAfterMs));
    if (hints.has('reset-headers')) Object.assign(headers, rateHeaders({ ...rate, remaining: 0 }, retryAfterMs));
    const message =
      `Rate limit reached for requests per min (RPM): Limit ${rate.limit}, Used ${rate.limit}, Requested 1. ` +
      `Please try again in ${openaiDuration(retryAfterMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
    return errorResponse(429, { type: 'requests', code: 'rate_limit_exceeded', message }, ctx, headers);
  },
  quota: (ctx) =>
    errorResponse(429, {
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      message: 'You exceeded your current quota, please check your plan and billing details.',
    }, ctx),
  invalidKey(key, ctx) {
    if (key === undefined) {
      return errorResponse(401, { type: 'invalid_request_error', code: null, message: "You didn't provide an API key. Send it in an Authorization header using Bearer auth." }, ctx);
    }
    return errorResponse(401, { ...INVALID_KEY, message: `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.` }, ctx);
  },
  status: (status, ctx) =>
    errorResponse(status, STATUS_ERRORS[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, message: `Request failed with status ${status}.` }, ctx),
  streamError: (ctx) => ({
    frame: sseFrame({ error: { message: OVERLOADED.message, type: OVERLOADED.type, param: null, code: OVERLOADED.code } }),
    response: errorResponse(503, OVERLOADED, ctx),
  }),
  limits,
};
