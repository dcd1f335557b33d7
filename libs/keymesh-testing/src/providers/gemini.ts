import { protoDuration, retryAfterSeconds } from '../hint-format.js';
import { tokenPage } from '../pagination.js';
import { SSE_HEADERS, sseFrame, textPieces } from '../sse.js';
import type { LimitName } from '../quota/quota-options.js';
import { positiveInt, roughTokens, type LimitWire, type ProviderWire, type RouteResult, type WireContext, type WireRequest, type WireResponse } from '../wire.js';
import { asRecord, embed, json } from './common.js';
import { geminiToolCall } from './tool-calls.js';

export const GEMINI_MODELS: readonly string[] = ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash', 'text-embedding-004'];

const DEFAULT_PAGE_SIZE = 50;
const JSON_TYPE = { 'content-type': 'application/json; charset=UTF-8' };
const TYPE = 'type.googleapis.com/google.rpc.';
/** genai 3 defaults to `v1`; older SDKs and REST examples use `v1beta`. */
const CALL = /^\/(v1|v1beta|v1alpha)\/((?:models|tunedModels)\/[^/:]+):([A-Za-z]+)$/;
const MODELS = /^\/(v1|v1beta|v1alpha)\/models$/;
const MODEL = /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+)$/;
/** Both quota messages mention billing, as the real ones do: only `quotaId` tells them apart. */
const QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. ' +
  'For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';

const STATUS_ERRORS: Readonly<Record<number, readonly [status: string, message: string]>> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  401: ['UNAUTHENTICATED', 'Request had invalid authentication credentials.'],
  403: ['PERMISSION_DENIED', 'Your API key was reported as leaked. Please use another API key.'],
  404: ['NOT_FOUND', 'Requested entity was not found.'],
  409: ['ABORTED', 'The operation was aborted.'],
  422: ['FAILED_PRECONDITION', 'The request cannot be processed in the current state.'],
  429: ['RESOURCE_EXHAUSTED', QUOTA_MESSAGE],
  500: ['INTERNAL', 'An internal error has occurred. Please retry or report it.'],
  503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  504: ['DEADLINE_EXCEEDED', 'The request timed out. Please try again.'],
  529: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
};

function errorResponse(code: number, status: string, message: string, details?: object[], headers: Record<string, string> = {}): WireResponse {
  return { status: code, headers: { ...JSON_TYPE, ...headers }, body: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

function modelOf(ctx: WireContext): string {
  return CALL.exec(ctx.request.path)?.[2]?.replace(/^(models|tunedModels)\//, '') ?? 'gemini-2.5-flash';
}

const REQUESTS_METRIC = 'generativelanguage.googleapis.com/generate_content_free_tier_requests';

interface Violation {
  readonly quotaMetric: string;
  readonly quotaId: string;
  readonly model: string;
  readonly quotaValue: number;
}

function quotaFailure(violations: readonly Violation[]): object {
  return {
    '@type': `${TYPE}QuotaFailure`,
    violations: violations.map((v) => ({
      quotaMetric: v.quotaMetric,
      quotaId: v.quotaId,
      quotaDimensions: { location: 'global', model: v.model },
      quotaValue: String(v.quotaValue),
    })),
  };
}

type GeminiLimit = Extract<LimitName, 'requestsPerMinute' | 'tokensPerMinute' | 'requestsPerDay'>;

/** Gemini's names for a project's limits per model (free tier, as the fakes' other answers). */
const QUOTA_IDS: Readonly<Record<GeminiLimit, { readonly quotaMetric: string; readonly quotaId: string }>> = {
  requestsPerMinute: { quotaMetric: REQUESTS_METRIC, quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' },
  tokensPerMinute: { quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count', quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier' },
  requestsPerDay: { quotaMetric: REQUESTS_METRIC, quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' },
};

/** The violation of a request limit by the model of the request being answered (the fault behaviours' 429s). */
function requestViolation(ctx: WireContext, name: 'requestsPerMinute' | 'requestsPerDay', quotaValue: number): Violation {
  return { ...QUOTA_IDS[name], model: modelOf(ctx), quotaValue };
}

const HELP = { '@type': `${TYPE}Help`, links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] };

function generate(req: WireRequest, ctx: WireContext, model: string, stream: boolean): RouteResult {
  const body = asRecord(req.body);
  if (!Array.isArray(body['contents'])) return json(errorResponse(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified'));
  const pieces = textPieces(ctx.text);
  const promptTokenCount = roughTokens(body['contents']);
  const usageMetadata = { promptTokenCount, candidatesTokenCount: pieces.length, totalTokenCount: promptTokenCount + pieces.length };
  const base = { modelVersion: model, responseId: ctx.requestId };
  const toolCall = geminiToolCall(body, base, usageMetadata, stream, ctx);
  if (toolCall) return toolCall;
  const candidate = (text: string, finishReason?: string) => ({ content: { parts: [{ text }], role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 });
  if (!stream) {
    return json({ status: 200, headers: JSON_TYPE, body: { candidates: [candidate(ctx.text, 'STOP')], usageMetadata, ...base } });
  }
  const chunks = pieces.length > 0 ? pieces : [''];
  const frames = chunks.map((text, i) => {
    const last = i === chunks.length - 1;
    const usage = last ? usageMetadata : { promptTokenCount, totalTokenCount: promptTokenCount };
    return sseFrame({ candidates: [candidate(text, last ? 'STOP' : undefined)], usageMetadata: usage, ...base }, { eol: '\r\n' });
  });
  return { type: 'stream', headers: SSE_HEADERS, frames };
}

function modelObject(id: string): object {
  const displayName = id.replace(/-/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
  const methods = id.includes('embedding') ? ['embedContent', 'batchEmbedContents'] : ['generateContent', 'countTokens'];
  return { name: `models/${id}`, version: '001', displayName, description: `${displayName} (fake)`, inputTokenLimit: 1_048_576, outputTokenLimit: 65_536, supportedGenerationMethods: methods };
}

function route(req: WireRequest, ctx: WireContext): RouteResult {
  const { method, path } = req;
  const call = CALL.exec(path);
  if (method === 'POST' && call) {
    const model = call[2].replace(/^(models|tunedModels)\//, '');
    const body = asRecord(req.body);
    switch (call[3]) {
      case 'generateContent':
        return generate(req, ctx, model, false);
      case 'streamGenerateContent':
        return generate(req, ctx, model, true);
      case 'countTokens':
        return json({ status: 200, headers: JSON_TYPE, body: { totalTokens: roughTokens(body['contents']) } });
      case 'embedContent':
        return json({ status: 200, headers: JSON_TYPE, body: { embedding: { values: embed(JSON.stringify(body['content'] ?? '')) } } });
      case 'batchEmbedContents': {
        const requests = Array.isArray(body['requests']) ? body['requests'] : [];
        const embeddings = requests.map((r) => ({ values: embed(JSON.stringify(asRecord(r)['content'] ?? '')) }));
        return json({ status: 200, headers: JSON_TYPE, body: { embeddings } });
      }
    }
  }
  if (method === 'GET' && MODELS.test(path)) {
    const size = positiveInt(req.query.get('pageSize')) ?? ctx.pageSize ?? DEFAULT_PAGE_SIZE;
    const page = tokenPage(ctx.models, req.query.get('pageToken'), size);
    const body = { models: page.items.map(modelObject), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
    return json({ status: 200, headers: JSON_TYPE, body });
  }
  const model = MODEL.exec(path);
  if (method === 'GET' && model) {
    const id = decodeURIComponent(model[2]);
    if (ctx.models.includes(id)) return json({ status: 200, headers: JSON_TYPE, body: modelObject(id) });
    return json(errorResponse(404, 'NOT_FOUND', `models/${id} is not found for API version ${model[1]}.`));
  }
  return json(errorResponse(404, 'NOT_FOUND', `The requested URL ${path} was not found on this server.`));
}

/**
 * No rate-limit headers, ever; a 429 names every limit it exceeded in `QuotaFailure` (per minute
 * or per day by `quotaId`) and when to retry in `RetryInfo`, as the Gemini API does.
 */
const limits: LimitWire = {
  headers: () => ({}),
  exceeded(verdict, hints) {
    const violations = verdict.exceeded.flatMap((r) => {
      const id = Object.hasOwn(QUOTA_IDS, r.name) ? QUOTA_IDS[r.name as GeminiLimit] : undefined;
      return id ? [{ ...id, model: verdict.model, quotaValue: r.limit }] : [];
    });
    const binding = verdict.exceeded[0];
    const details: object[] = [quotaFailure(violations), HELP];
    if (!verdict.tooLarge && hints.has('retry-info')) details.push({ '@type': `${TYPE}RetryInfo`, retryDelay: protoDuration(binding.resetMs) });
    const lines = violations.map((v) => `\n* Quota exceeded for metric: ${v.quotaMetric}, limit: ${v.quotaValue}, model: ${v.model}`).join('');
    const retry = verdict.tooLarge ? '' : `\nPlease retry in ${(binding.resetMs / 1000).toFixed(3)}s.`;
    return errorResponse(429, 'RESOURCE_EXHAUSTED', `${QUOTA_MESSAGE}${lines}${retry}`, details);
  },
};

export const geminiWire: ProviderWire = {
  name: 'gemini',
  basePath: '',
  credentialSources: [{ header: 'x-goog-api-key' }, { query: 'key' }],
  defaultHints: ['retry-info'],
  isStream: (req) => CALL.exec(req.path)?.[3] === 'streamGenerateContent',
  route,
  // The Gemini API sends no rate-limit headers on success.
  successHeaders: () => ({}),
  rateLimited({ rate, retryAfterMs, hints }, ctx) {
    const details: object[] = [HELP, quotaFailure([requestViolation(ctx, 'requestsPerMinute', rate.limit)])];
    if (hints.has('retry-info')) details.push({ '@type': `${TYPE}RetryInfo`, retryDelay: protoDuration(retryAfterMs) });
    const headers: Record<string, string> = {};
    if (hints.has('retry-after')) headers['retry-after'] = retryAfterSeconds(retryAfterMs);
    if (hints.has('retry-after-ms')) headers['retry-after-ms'] = String(Math.ceil(retryAfterMs));
    const message = `${QUOTA_MESSAGE} Please retry in ${(retryAfterMs / 1000).toFixed(3)}s.`;
    return errorResponse(429, 'RESOURCE_EXHAUSTED', message, details, headers);
  },
  quota: (ctx) =>
    errorResponse(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGE, [HELP, quotaFailure([requestViolation(ctx, 'requestsPerDay', 250)])]),
  invalidKey(key) {
    if (key === undefined) {
      return errorResponse(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
    }
    const message = 'API key not valid. Please pass a valid API key.';
    return errorResponse(400, 'INVALID_ARGUMENT', message, [
      { '@type': `${TYPE}ErrorInfo`, reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      { '@type': `${TYPE}LocalizedMessage`, locale: 'en-US', message },
    ]);
  },
  status(status, ctx) {
    const [name, message] = STATUS_ERRORS[status] ?? [status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION', `Request failed with status ${status}.`];
    // A bare 429 still says which quota it hit, so it reads as a per-minute limit, not a daily one.
    const details = status === 429 ? [HELP, quotaFailure([requestViolation(ctx, 'requestsPerMinute', 10)])] : undefined;
    return errorResponse(status, name, message, details);
  },
  streamError: () => {
    const [name, message] = STATUS_ERRORS[503];
    return { frame: sseFrame({ error: { code: 503, message, status: name } }, { eol: '\r\n' }), response: errorResponse(503, name, message) };
  },
  limits,
};
