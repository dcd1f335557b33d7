import { ErrorCodes, KeymeshError } from './keymesh-error.js';

/** The pool was closed: no new request is accepted and pending waits end with this error. */
export class PoolClosedError extends KeymeshError {
  readonly poolName: string;
  constructor(poolName: string) {
    super(ErrorCodes.POOL_CLOSED, `Pool "${poolName}" is closed.`);
    this.poolName = poolName;
  }
}
