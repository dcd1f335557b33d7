import type { ProviderName } from './upstream.js';

/** Models asked for unless `OPENAI_MODEL`, `ANTHROPIC_MODEL` or `GEMINI_MODEL` says otherwise: small and cheap. */
export const DEFAULT_MODELS: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  gemini: 'gemini-2.5-flash',
};
