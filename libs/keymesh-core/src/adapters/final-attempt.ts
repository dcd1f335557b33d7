/**
 * Errors from attempts that cannot be made again: the request's body was a stream too large to
 * keep a copy of, and it is consumed. The classifier chain reads the mark and ends the request
 * with the upstream error (the key is still recorded as classified), as the SDKs do with a
 * streaming body.
 */
const finals = new WeakSet<object>();

export function markFinal(error: unknown): void {
  if (typeof error === 'object' && error !== null) finals.add(error);
}

export function isFinal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && finals.has(error);
}
