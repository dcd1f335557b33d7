/**
 * Marks the errors a pool hands back to its caller when a request ends (the last upstream error,
 * rethrown unchanged), so an HTTP integration can tell them from the application's own errors of
 * the same shape — a database's `ECONNRESET`, the app's own `fetch failed`, an `ApiError` class of
 * its own — which belong to the app's next error handler. A registered symbol, not a module-level
 * set, so a second copy of the package (ESM and CommonJS builds side by side) reads the mark too;
 * non-enumerable, so `util.inspect` and JSON do not show it.
 */
const fromPool = Symbol.for('keymesh.from-pool');

export function markFromPool<T>(error: T): T {
  if (typeof error === 'object' && error !== null && !Object.prototype.hasOwnProperty.call(error, fromPool)) {
    try {
      Object.defineProperty(error, fromPool, { value: true });
    } catch {
      // A frozen error cannot carry the mark; integrations then treat it as the app's own.
    }
  }
  return error;
}

export function isFromPool(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[fromPool] === true;
}
