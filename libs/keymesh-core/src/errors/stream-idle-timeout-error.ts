import { ErrorCodes, KeymeshError } from './keymesh-error.js';

/** A response body sent nothing for `idleTimeoutMs`. Before the first chunk it is provider trouble and fails over. */
export class StreamIdleTimeoutError extends KeymeshError {
  readonly idleTimeoutMs: number;
  constructor(idleTimeoutMs: number) {
    super(ErrorCodes.STREAM_IDLE, `The response sent nothing for idleTimeoutMs (${idleTimeoutMs} ms).`);
    this.idleTimeoutMs = idleTimeoutMs;
  }
}
