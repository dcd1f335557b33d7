import type { KeymeshEvents } from '@keymesh/core';

/** `request.failed` kinds no attempt answered with: the request ended before, between or instead of one. */
const notAnAttempt = new Set<string>(['pool_exhausted', 'aborted', 'closed']);

/** True when a failed request's kind is its last attempt's outcome (so that attempt is counted and shown). */
export function endedByAttempt(e: KeymeshEvents['request.failed']): e is KeymeshEvents['request.failed'] & { keyId: string } {
  return e.keyId !== undefined && !notAnAttempt.has(e.kind);
}
