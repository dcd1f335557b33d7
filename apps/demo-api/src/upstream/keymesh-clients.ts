import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import type { ClientConfig } from '@keymesh/core';
import OpenAI from 'openai';
import type { ProviderUpstream, Upstream } from './upstream.js';

/**
 * One SDK client per provider for `KeymeshModule.forRoot({ clients })`. Their own `apiKey` is a
 * placeholder that is never sent (the pool puts a key on every request), and Keymesh turns the
 * SDKs' own retries off: the pool is the one retry owner.
 */
export function keymeshClients(upstream: Upstream): Record<string, ClientConfig> {
  return Object.fromEntries(upstream.providers.map((provider) => [provider.name, { client: sdkClient(provider), keys: provider.keys }]));
}

function sdkClient(provider: ProviderUpstream): object {
  switch (provider.name) {
    case 'openai':
      return new OpenAI({ apiKey: 'unused', baseURL: provider.baseURL });
    case 'anthropic':
      return new Anthropic({ apiKey: 'unused', baseURL: provider.baseURL });
    case 'gemini':
      return new GoogleGenAI({ apiKey: 'unused', ...(provider.baseURL ? { httpOptions: { baseUrl: provider.baseURL } } : {}) });
  }
}
