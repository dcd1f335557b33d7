import type { ProviderWire } from '../wire.js';
import { anthropicWire, ANTHROPIC_MODELS } from './anthropic.js';
import { geminiWire, GEMINI_MODELS } from './gemini.js';
import { httpWire, type HttpAuth } from './http.js';
import { openaiWire, OPENAI_MODELS } from './openai.js';
import type { ProviderName } from '../wire.js';

export function wireFor(provider: ProviderName, auth?: HttpAuth): ProviderWire {
  switch (provider) {
    case 'openai':
      return openaiWire;
    case 'anthropic':
      return anthropicWire;
    case 'gemini':
      return geminiWire;
    case 'http':
      return httpWire(auth);
  }
}

/** The model catalogue each fake lists when the `models` option is not given. */
export const DEFAULT_MODELS: Readonly<Record<ProviderName, readonly string[]>> = {
  openai: OPENAI_MODELS,
  anthropic: ANTHROPIC_MODELS,
  gemini: GEMINI_MODELS,
  http: [],
};
