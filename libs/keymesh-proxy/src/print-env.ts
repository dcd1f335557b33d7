import type { ProviderName } from './config/proxy-config.js';

/**
 * The environment that points each provider's official SDK — Node and Python alike — at the
 * proxy, with the local token as the "API key" (the proxy swaps in a pooled key). Every SDK reads
 * these variables by itself: openai (`OPENAI_BASE_URL`, `OPENAI_API_KEY`), anthropic
 * (`ANTHROPIC_BASE_URL`, `ANTHROPIC_API_KEY`), google-genai (`GOOGLE_GEMINI_BASE_URL`,
 * `GEMINI_API_KEY`).
 */
export function proxyEnvironment(url: string, token: string, providers: readonly ProviderName[]): Record<string, string> {
  const env: Record<string, string> = { KEYMESH_PROXY_URL: url, KEYMESH_PROXY_TOKEN: token };
  if (providers.includes('openai')) Object.assign(env, { OPENAI_BASE_URL: `${url}/openai/v1`, OPENAI_API_KEY: token });
  if (providers.includes('anthropic')) Object.assign(env, { ANTHROPIC_BASE_URL: `${url}/anthropic`, ANTHROPIC_API_KEY: token });
  if (providers.includes('gemini')) Object.assign(env, { GOOGLE_GEMINI_BASE_URL: `${url}/gemini`, GEMINI_API_KEY: token });
  return env;
}

/** `export NAME='value'` lines for a POSIX shell. */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'`)
    .join('\n');
}
