const transientCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** undici codes that mean "we stopped it" or "we called it wrong", not "the provider failed". */
const notProviderCodes = new Set(['UND_ERR_ABORTED', 'UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

const connectionClass = /Connection(Timeout)?Error$/;

/**
 * The SDKs' connection error classes by their class hierarchy: openai 7's classes keep `name`
 * at 'Error', so only the constructors' names say what they are (`APIConnectionTimeoutError`
 * extends `APIConnectionError`). Names, not `instanceof`: the app may load another copy of the SDK.
 */
function isConnectionClass(error: object): boolean {
  for (let proto = Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null; proto !== null && proto !== Error.prototype && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as typeof proto) {
    const name = proto.constructor?.name;
    if (typeof name === 'string' && connectionClass.test(name)) return true;
  }
  return false;
}

/**
 * True for an error that means the provider could not be reached or dropped the connection:
 * socket errors, undici's `UND_ERR_*`, fetch's `TypeError: fetch failed` and `terminated`,
 * timeouts, and SDK connection error classes. Follows the `cause` chain, where fetch and the
 * SDKs put the socket error.
 */
export function isNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && (transientCodes.has(code) || (code.startsWith('UND_ERR_') && !notProviderCodes.has(code)))) return true;
    if (name === 'TimeoutError' || name === 'AttemptTimeoutError' || name === 'StreamIdleTimeoutError') return true;
    if ((typeof name === 'string' && connectionClass.test(name)) || isConnectionClass(current)) return true;
    if (name === 'TypeError' && (message === 'fetch failed' || message === 'terminated')) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
