import type { KeymeshAdapter } from '../adapters/adapter.js';
import { isStainlessClient, wrapStainless } from '../adapters/stainless.js';
import { anthropicCredential } from '../adapters/stainless-credentials.js';
import { classifyAnthropic } from './classify-anthropic.js';

/**
 * Routes an `@anthropic-ai/sdk` client through the pool. SDK 1.x sends the key as
 * `Authorization: Bearer`; a client-level `X-Api-Key` is removed per request so exactly one
 * credential goes out.
 */
export const anthropicAdapter: KeymeshAdapter<object, object> = {
  name: 'anthropic',
  matches: (client) => isStainlessClient(client) && typeof (client as { messages?: { create?: unknown } }).messages?.create === 'function',
  classify: classifyAnthropic,
  wrap: (pool, client, options) => wrapStainless('anthropic', client, pool, options, anthropicCredential),
};
