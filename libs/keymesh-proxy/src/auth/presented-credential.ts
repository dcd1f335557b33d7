import type { IncomingHttpHeaders } from 'node:http';

/**
 * Every place a client may carry the local token: `Authorization: Bearer` (OpenAI SDKs, curl),
 * the provider's own key headers — `x-api-key` (Anthropic), `x-goog-api-key` (Gemini), `api-key`
 * (Azure-style clients) — and Gemini's `?key=` query parameter. The proxy accepts the request
 * only if one of them is the token; all of them are removed before the request goes upstream.
 */
export const credentialHeaders = ['authorization', 'x-api-key', 'x-goog-api-key', 'api-key'] as const;

export function presentedCredentials(headers: IncomingHttpHeaders, search: URLSearchParams): string[] {
  const found: string[] = [];
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) found.push(match[1]!);
  }
  for (const name of credentialHeaders.slice(1)) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') found.push(value.trim());
  }
  const key = search.get('key');
  if (key) found.push(key);
  return found;
}
