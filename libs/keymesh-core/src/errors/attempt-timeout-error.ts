import { ErrorCodes, KeymeshError } from './keymesh-error.js';

/** One attempt ran past `attemptTimeoutMs`; it counts as provider trouble and may be retried. */
export class AttemptTimeoutError extends KeymeshError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(ErrorCodes.ATTEMPT_TIMEOUT, `The attempt did not settle within attemptTimeoutMs (${timeoutMs} ms).`);
    this.timeoutMs = timeoutMs;
  }
}
