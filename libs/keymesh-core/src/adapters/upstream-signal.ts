import { neverAborted } from '../pool/attempt-context.js';

/**
 * The signal an attempt's upstream call carries. Usually the caller's own. Under
 * `attemptTimeoutMs` the attempt has a signal of its own (the deadline), which follows the
 * caller's abort only while the attempt runs; a stream body outlives its attempt (the first event
 * returns it), so the upstream call carries both, and a caller who aborts mid-stream still ends it.
 */
export function upstreamSignal(caller: AbortSignal | null | undefined, attemptSignal: AbortSignal): AbortSignal | undefined {
  if (attemptSignal === neverAborted || attemptSignal === caller) return caller ?? undefined;
  return caller == null ? attemptSignal : AbortSignal.any([caller, attemptSignal]);
}
