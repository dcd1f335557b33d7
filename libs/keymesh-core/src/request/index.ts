export type { ProviderName, ProviderReader, ReadRequestOptions } from './provider-reader.js';
export { readOpenAIRequest, readOpenAIUsage, openaiRequestReader } from './openai-request.js';
export { readAnthropicRequest, readAnthropicUsage, anthropicRequestReader } from './anthropic-request.js';
export { readGeminiRequest, readGeminiUsage, geminiRequestReader } from './gemini-request.js';
export { charactersPerToken, defaultMaxOutputTokens, textLength, tokensOfCharacters } from './estimate-tokens.js';
export { requestReaders, readRequestInfo, checkRequestCostOptions, type EstimateTokens, type RequestCostOptions, type TokenEstimateRequest } from './read-request.js';
