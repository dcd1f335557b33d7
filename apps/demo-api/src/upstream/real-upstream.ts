import { keysFromConfig } from '@keymesh/nestjs';
import { DEFAULT_MODELS } from './models.js';
import { PROVIDERS, type ProviderName, type ProviderUpstream, type Upstream } from './upstream.js';

/** Environment variables, read through the `get(name)` shape `keysFromConfig` accepts (ConfigService has it too). */
export interface EnvSource {
  get(name: string): string | undefined;
}

export const envSource = (env: NodeJS.ProcessEnv): EnvSource => ({ get: (name) => env[name] });

const PREFIX: Record<ProviderName, string> = { openai: 'OPENAI', anthropic: 'ANTHROPIC', gemini: 'GEMINI' };

/** `OPENAI_API_KEYS`, `ANTHROPIC_API_KEYS`, `GEMINI_API_KEYS`. */
export const keysVariable = (name: ProviderName) => `${PREFIX[name]}_API_KEYS`;

/** Providers whose key variable is present (even empty: that is a mistake worth a clear error, not a silent fallback to the fakes). */
export function configuredProviders(env: EnvSource): ProviderName[] {
  return PROVIDERS.filter((name) => env.get(keysVariable(name)) !== undefined);
}

/**
 * The real providers whose `*_API_KEYS` variable is set, and only those. Keys are parsed by
 * `keysFromConfig` (trimmed; a ConfigError naming the variable, never a key, when a key repeats or
 * one is empty); their ids are digests, so nothing printed or served can reveal a key.
 * `*_MODEL` and `*_BASE_URL` are optional overrides.
 */
export function realUpstream(env: EnvSource): Upstream {
  const providers: ProviderUpstream[] = configuredProviders(env).map((name) => ({
    name,
    keys: keysFromConfig(env, keysVariable(name)),
    model: env.get(`${PREFIX[name]}_MODEL`) || DEFAULT_MODELS[name],
    baseURL: env.get(`${PREFIX[name]}_BASE_URL`) || undefined,
  }));
  return { mode: 'real', providers, close: async () => {} };
}
