export { KeyPool, type AttemptFn, type ExecuteOptions } from './pool/key-pool.js';
export type { KeyPoolOptions, RetryOptions } from './pool/options.js';
export type { KeySpec } from './pool/key-spec.js';
export { PoolKey } from './pool/pool-key.js';
export type { AttemptContext } from './pool/attempt-context.js';
export { defaultScope, type LimitDimension, type RequestCost, type RequestInfo, type TokenUsage } from './request/request-info.js';
export {
  readRequestInfo, requestReaders, checkRequestCostOptions, readOpenAIRequest, readOpenAIUsage, readAnthropicRequest, readAnthropicUsage, readGeminiRequest, readGeminiUsage,
  charactersPerToken, defaultMaxOutputTokens, textLength, tokensOfCharacters,
  type ProviderName, type ProviderReader, type ReadRequestOptions, type EstimateTokens, type RequestCostOptions, type TokenEstimateRequest,
} from './request/index.js';
export type { KeySnapshot, QueueSnapshot, PoolSnapshot } from './pool/snapshot.js';

export * from './errors/index.js';

export type { Outcome, OutcomeKind, Classifier, ClassifyContext, LimitAttribution } from './classify/outcome.js';
export { isKeyScoped } from './classify/outcome.js';
export { defaultClassifier, classifyStatus, statusOf, headersOf } from './classify/default-classifier.js';
export { isNetworkError } from './classify/network-errors.js';
export { readHeader, type HeaderSource } from './classify/headers.js';
export { parseDuration, parseResetTime, parseRetryAfter, parseRetryAfterMs, clampHint } from './classify/hints.js';
export { readRateLimitHeaders, readRetryHint, type RateLimitReading } from './classify/rate-limit-headers.js';

export { fullJitterDelay, backoffCeiling, type BackoffOptions } from './backoff/full-jitter.js';
export type { BreakerState, BreakerStatus, BreakerOptions } from './breaker/breaker-state.js';
export { RetryBudget, defaultRetryBudget, type RetryBudgetOptions } from './retry/retry-budget.js';
export { defaultOverload, type OverloadOptions } from './overload/overload-gate.js';

export { createStrategy, strategyNames, isSelectionStrategy, type SelectableKey, type SelectionStrategy, type StrategyName } from './strategies/index.js';

export type { KeymeshEvents, KeymeshEventName, KeymeshListener } from './events/pool-events.js';
export { keymeshEventNames } from './events/pool-events.js';

export type { StateStore, SharedKeyState, StoreErrorInfo, StoreHealth, SharedLimitState, SharedGroupState, SharedPoolState, SharedChange, CircuitOpenReason } from './store/state-store.js';
export { MemoryStore } from './store/memory-store.js';

export { systemClock, type Clock, type RandomSource } from './clock.js';
export { keyIdOf, maskSecret } from './pool/key-spec.js';
export { closestName } from './util/closest-name.js';

export { createKeymesh, poolOf, type CreateKeymeshOptions, type WrapOptions } from './adapters/create-keymesh.js';
export { adapterNameOf } from './adapters/pool-registry.js';
export { registerAdapter } from './adapters/registry.js';
export type { KeymeshAdapter, AdapterOptions } from './adapters/adapter.js';
export { openaiAdapter, classifyOpenAI } from './openai/index.js';
export { anthropicAdapter, classifyAnthropic } from './anthropic/index.js';
export { geminiAdapter, classifyGemini } from './gemini/index.js';
export { httpAdapter, HttpStatusError, UnsafeUrlError, type HttpAdapterOptions, type HttpAuth, type HttpClient } from './http/index.js';

export { createKeymeshClients, type KeymeshClients, type KeymeshClientsOptions, type ClientConfig, type SharedPoolOptions } from './group/create-keymesh-clients.js';
export { parseKeyList } from './group/parse-key-list.js';
export { healthReport, type HealthReport } from './health/health-report.js';
export { exhaustedResponse, type ExhaustedProblem } from './health/exhausted-response.js';
export { errorResponse, type ErrorAnswer, type UpstreamProblem, type UpstreamProblemKind } from './health/error-response.js';
