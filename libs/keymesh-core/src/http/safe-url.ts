import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes, KeymeshError } from '../errors/keymesh-error.js';

/** A request path that would take the key somewhere other than the configured base URL. */
export class UnsafeUrlError extends KeymeshError {
  constructor(reason: string, fix = "Pass a path relative to the adapter's baseURL.") {
    super(ErrorCodes.UNSAFE_URL, `Refused to send a pooled key: ${reason} ${fix}`);
  }
}

export function parseBaseUrl(baseURL: unknown): URL {
  let url: URL;
  try {
    url = new URL(String(baseURL));
  } catch {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`baseURL` must be an absolute http(s) URL such as https://api.example.com/v1.', 'baseURL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`baseURL` must use http or https.', 'baseURL');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`baseURL` must not carry credentials, a query or a fragment.', 'baseURL');
  }
  return url;
}

/**
 * Joins a relative path onto the base URL, refusing anything that could reach another origin
 * or climb out of the base path: absolute URLs, protocol-relative `//host`, backslashes (which
 * URL parsers treat as slashes) and `..` segments that escape the base.
 */
export function resolvePath(base: URL, path: unknown): URL {
  if (typeof path !== 'string') throw new UnsafeUrlError('the path is not a string.');
  if (/^[a-z][a-z\d+.-]*:/i.test(path)) throw new UnsafeUrlError('the path is an absolute URL.');
  if (path.startsWith('//') || path.includes('\\')) throw new UnsafeUrlError('the path could name another host.');
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${base.origin}${basePath}/${path.replace(/^\/+/, '')}`);
  if (url.origin !== base.origin) throw new UnsafeUrlError('the path resolves to another origin.');
  if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) throw new UnsafeUrlError('the path climbs out of the base path.');
  return url;
}
