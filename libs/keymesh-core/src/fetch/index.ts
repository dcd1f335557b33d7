export { keymeshFetch, type KeymeshFetchOptions, type KeymeshFetchBaseOptions } from './keymesh-fetch.js';
export { UpstreamStatusError } from './upstream-status-error.js';
export { UnsafeUrlError } from '../http/safe-url.js';
export { poolOf } from '../adapters/create-keymesh.js';
export type { ProviderName } from '../request/provider-reader.js';
export type { EstimateTokens, TokenEstimateRequest } from '../request/read-request.js';
