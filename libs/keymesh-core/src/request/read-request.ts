import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import { checkNumber } from '../pool/key-spec.js';
import { anthropicRequestReader } from './anthropic-request.js';
import { geminiRequestReader } from './gemini-request.js';
import { openaiRequestReader } from './openai-request.js';
import { defaultMaxOutputTokens } from './estimate-tokens.js';
import type { ProviderName, ProviderReader, ReadRequestOptions } from './provider-reader.js';
import type { RequestCost, RequestInfo } from './request-info.js';

export const requestReaders: Readonly<Record<ProviderName, ProviderReader>> = {
  openai: openaiRequestReader,
  anthropic: anthropicRequestReader,
  gemini: geminiRequestReader,
};

/** What an `estimateTokens` option is given. */
export interface TokenEstimateRequest {
  provider: ProviderName;
  path: string;
  /** The parsed JSON body (undefined for a body that is not JSON). */
  body: unknown;
  model: string | undefined;
  /** Keymesh's own estimate (characters / 4 plus the maximum output), for adjusting rather than replacing. */
  estimate: RequestCost | undefined;
}

/**
 * Replaces Keymesh's token estimate, e.g. with a real tokenizer. A number is total tokens; a
 * `RequestCost` can give input and output apart; undefined means "no token cost".
 */
export type EstimateTokens = (request: TokenEstimateRequest) => RequestCost | number | undefined;

/** The adapter-level options of `createKeymesh` and `keymeshFetch` that shape a request's cost. */
export interface RequestCostOptions extends ReadRequestOptions {
  estimateTokens?: EstimateTokens;
}

/** Validated `RequestCostOptions`; throws ConfigError naming the bad option. */
export function checkRequestCostOptions(options: RequestCostOptions): Required<ReadRequestOptions> & { estimateTokens: EstimateTokens | undefined } {
  if (options.estimateTokens !== undefined && typeof options.estimateTokens !== 'function') {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`estimateTokens` must be a function (request) => number | { tokens?, inputTokens?, outputTokens? }.', 'estimateTokens');
  }
  return {
    defaultMaxOutputTokens: checkNumber(options.defaultMaxOutputTokens, defaultMaxOutputTokens, 'defaultMaxOutputTokens', { min: 0, integer: true }),
    estimateTokens: options.estimateTokens,
  };
}

/**
 * The model and cost of one request to `provider`: the provider's reader, then `estimateTokens`
 * when given. The one path from a request to its scope and cost, for the SDK adapters and
 * `keymeshFetch` alike.
 */
export function readRequestInfo(provider: ProviderName, path: string, body: unknown, options?: RequestCostOptions): RequestInfo {
  const info = requestReaders[provider].request(path, body, options);
  const estimateTokens = options?.estimateTokens;
  if (estimateTokens === undefined) return info;
  const cost = checkCost(estimateTokens({ provider, path, body, model: info.model, estimate: info.cost }));
  return cost === undefined ? { model: info.model } : { model: info.model, cost };
}

/** A wrong estimate would silently disable admission: it fails the request instead, naming the fix. */
function checkCost(cost: RequestCost | number | undefined): RequestCost | undefined {
  if (cost === undefined) return undefined;
  if (typeof cost === 'number') return { tokens: checkNumber(cost, 0, 'estimateTokens() result', { min: 0 }) };
  if (typeof cost !== 'object' || cost === null) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`estimateTokens` must return a number, { tokens?, inputTokens?, outputTokens? } or undefined.', 'estimateTokens');
  }
  for (const field of ['tokens', 'inputTokens', 'outputTokens'] as const) checkNumber(cost[field], 0, `estimateTokens() result .${field}`, { min: 0 });
  return cost;
}
