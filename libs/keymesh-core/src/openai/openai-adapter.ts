import type { KeymeshAdapter } from '../adapters/adapter.js';
import { isStainlessClient, wrapStainless } from '../adapters/stainless.js';
import { classifyOpenAI } from './classify-openai.js';

/** Routes an `openai` SDK client through the pool; chosen automatically by `createKeymesh`. */
export const openaiAdapter: KeymeshAdapter<object, object> = {
  name: 'openai',
  matches: (client) => isStainlessClient(client) && typeof (client as { chat?: { completions?: unknown } }).chat?.completions === 'object',
  classify: classifyOpenAI,
  wrap: (pool, client, options) => wrapStainless(client, pool, options, (secret) => ({ Authorization: `Bearer ${secret}` })),
};
