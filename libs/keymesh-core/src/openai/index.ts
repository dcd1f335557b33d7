export { openaiAdapter } from './openai-adapter.js';
export { classifyOpenAI } from './classify-openai.js';
export { createKeymesh, poolOf } from '../adapters/create-keymesh.js';
