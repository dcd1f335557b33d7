import type { KeymeshAdapter } from '../adapters/adapter.js';
import { isStainlessClient, wrapStainless } from '../adapters/stainless.js';
import { openaiCredential } from '../adapters/stainless-credentials.js';
import { classifyOpenAI } from './classify-openai.js';

/**
 * Routes an `openai` SDK client through the pool; chosen automatically by `createKeymesh`.
 * `OpenAI` pools Bearer keys, `AzureOpenAI` its `api-key` (Azure resource keys); clients whose
 * credential Keymesh cannot swap (a `provider` such as bedrock(…), workload identity, Entra ID
 * tokens) are refused with `ERR_KEYMESH_UNSUPPORTED_CLIENT`. Admin routes keep the client's
 * `adminAPIKey`.
 */
export const openaiAdapter: KeymeshAdapter<object, object> = {
  name: 'openai',
  matches: (client) => isStainlessClient(client) && typeof (client as { chat?: { completions?: unknown } }).chat?.completions === 'object',
  classify: classifyOpenAI,
  wrap: (pool, client, options) => wrapStainless('openai', client, pool, options, openaiCredential(client)),
};
