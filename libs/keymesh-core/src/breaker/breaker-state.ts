/** The per-key circuit breaker, as a discriminated union on `status`. */
export type BreakerState =
  | { readonly status: 'closed'; readonly consecutiveFailures: number }
  | { readonly status: 'open'; readonly consecutiveFailures: number; readonly until: number }
  | { readonly status: 'half_open'; readonly consecutiveFailures: number; readonly trialInFlight: boolean };

export type BreakerStatus = BreakerState['status'];

export interface BreakerOptions {
  /** Consecutive key-scoped failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit stays open, unless the provider's hint is longer. */
  cooldownMs: number;
}

export const closedBreaker: BreakerState = { status: 'closed', consecutiveFailures: 0 };
