export { anthropicAdapter } from './anthropic-adapter.js';
export { classifyAnthropic } from './classify-anthropic.js';
export { createKeymesh, poolOf } from '../adapters/create-keymesh.js';
