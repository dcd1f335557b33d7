import { anthropicAdapter } from '../anthropic/anthropic-adapter.js';
import { geminiAdapter } from '../gemini/gemini-adapter.js';
import { openaiAdapter } from '../openai/openai-adapter.js';
import type { KeymeshAdapter } from './adapter.js';

const registered: KeymeshAdapter<never, unknown>[] = [];

/** Adds an adapter `createKeymesh` can pick by client shape, after the built-in ones. */
export function registerAdapter(adapter: KeymeshAdapter<never, unknown>): void {
  if (!registered.some((known) => known.name === adapter.name)) registered.push(adapter);
}

/** Adapters recognise clients by shape, so none of them imports an SDK. */
export function knownAdapters(): readonly KeymeshAdapter<never, unknown>[] {
  return [openaiAdapter, anthropicAdapter, geminiAdapter, ...registered] as KeymeshAdapter<never, unknown>[];
}
