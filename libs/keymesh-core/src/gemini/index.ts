export { geminiAdapter } from './gemini-adapter.js';
export { classifyGemini } from './classify-gemini.js';
export { createKeymesh, poolOf } from '../adapters/create-keymesh.js';
