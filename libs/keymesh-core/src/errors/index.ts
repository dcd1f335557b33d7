export { ErrorCodes, KeymeshError, isKeymeshError, type ErrorCode } from './keymesh-error.js';
export { ConfigError, isConfigError } from './config-error.js';
export { PoolExhaustedError, isPoolExhaustedError, type ExhaustionReason, type KeyUnavailableReason } from './pool-exhausted-error.js';
export { PoolClosedError } from './pool-closed-error.js';
export { AttemptTimeoutError } from './attempt-timeout-error.js';
export { StreamIdleTimeoutError } from './stream-idle-timeout-error.js';
export { StreamErrorEventError } from './stream-error-event-error.js';
