import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import type { StreamFailover } from './response-guard.js';

/**
 * The per-request switch: a request header Keymesh reads and never sends
 * (`headers: { [streamFailoverHeader]: 'headers' }` in the SDK's request options).
 */
export const streamFailoverHeader = 'x-keymesh-stream-failover';

export function checkStreamFailover(value: unknown, option: string): StreamFailover {
  if (value === undefined) return 'first-event';
  if (value === 'first-event' || value === 'headers') return value;
  throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`${option}\` must be 'first-event' (fail over until the first event; the default) or 'headers' (return at the headers).`, option);
}

/** The request's own choice when its headers carry one, else the client's. */
export function streamFailoverOf(headers: unknown, fallback: StreamFailover = 'first-event'): StreamFailover {
  if (typeof headers !== 'object' || headers === null) return fallback;
  let value: unknown;
  if (typeof (headers as Headers).get === 'function') value = (headers as Headers).get(streamFailoverHeader);
  else {
    for (const [name, v] of Object.entries(headers)) if (name.toLowerCase() === streamFailoverHeader) value = v;
  }
  return value === undefined || value === null ? fallback : checkStreamFailover(value, `headers['${streamFailoverHeader}']`);
}
