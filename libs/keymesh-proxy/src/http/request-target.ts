import type { ProviderName } from '../config/proxy-config.js';

/** Where a request goes, once its target has been checked. */
export type Route =
  | { kind: 'provider'; provider: ProviderName; upstreamPath: string; search: URLSearchParams }
  | { kind: 'health' }
  | { kind: 'metrics' };

export type TargetRefusal = { refused: true; status: 400 | 404; reason: string };

/** The proxy's prefix for each provider, and the upstream path prefix it stands for. */
const prefixes: ReadonlyArray<{ prefix: string; provider: ProviderName; upstream: string }> = [
  { prefix: '/openai/v1/', provider: 'openai', upstream: '/v1/' },
  { prefix: '/anthropic/v1/', provider: 'anthropic', upstream: '/v1/' },
  { prefix: '/gemini/v1beta/', provider: 'gemini', upstream: '/v1beta/' },
  { prefix: '/gemini/v1/', provider: 'gemini', upstream: '/v1/' },
];

/**
 * Parses a request target and refuses anything that could make the upstream URL differ from
 * `<configured origin><mapped path>`: absolute-form (`GET http://evil/…`) and authority-form
 * targets, dot segments (`..`, `.`), empty segments, backslashes, and percent-encoded dots,
 * slashes or backslashes (`%2e%2e`, `%2f`, `%5c`) that a server behind us might decode. Only
 * the path is mapped; the query passes through.
 */
export function parseTarget(target: string | undefined): Route | TargetRefusal {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) {
    return { refused: true, status: 400, reason: 'the request target must be a path (origin-form), not an absolute URL' };
  }
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt + 1);
  if (path.includes('\\') || /%(2e|2f|5c|00)/i.test(path) || path.includes('#')) {
    return { refused: true, status: 400, reason: 'the path holds an encoded dot, slash or backslash' };
  }
  const segments = path.split('/').slice(1);
  if (segments.some((s, i) => s === '.' || s === '..' || (s === '' && i < segments.length - 1))) {
    return { refused: true, status: 400, reason: 'the path holds a dot or empty segment' };
  }
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(path)) {
    return { refused: true, status: 400, reason: 'the path holds characters that must be percent-encoded' };
  }
  if (path === '/health/keys') return { kind: 'health' };
  if (path === '/metrics') return { kind: 'metrics' };
  for (const { prefix, provider, upstream } of prefixes) {
    if (path.startsWith(prefix) && path.length > prefix.length) {
      return { kind: 'provider', provider, upstreamPath: upstream + path.slice(prefix.length), search: new URLSearchParams(query) };
    }
  }
  return { refused: true, status: 404, reason: 'no such route: use /openai/v1/…, /anthropic/v1/…, /gemini/v1beta/…, /health/keys or /metrics' };
}
