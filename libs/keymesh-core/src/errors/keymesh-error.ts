/** Every error Keymesh itself raises carries this marker, so guards work across duplicate copies of the package. */
const keymeshErrorMarker = Symbol.for('keymesh.error');

/** Stable, documented error codes. Match on `code`, never on message text. */
export const ErrorCodes = {
  NO_KEYS: 'ERR_KEYMESH_NO_KEYS',
  EMPTY_SECRET: 'ERR_KEYMESH_EMPTY_SECRET',
  DUPLICATE_SECRET: 'ERR_KEYMESH_DUPLICATE_SECRET',
  DUPLICATE_KEY_ID: 'ERR_KEYMESH_DUPLICATE_KEY_ID',
  INVALID_NUMBER: 'ERR_KEYMESH_INVALID_NUMBER',
  INVALID_OPTION: 'ERR_KEYMESH_INVALID_OPTION',
  UNKNOWN_OPTION: 'ERR_KEYMESH_UNKNOWN_OPTION',
  UNKNOWN_STRATEGY: 'ERR_KEYMESH_UNKNOWN_STRATEGY',
  UNKNOWN_KEY: 'ERR_KEYMESH_UNKNOWN_KEY',
  /** A key's secret (or something shaped like one) was passed where a key id belongs; never echoed. */
  SECRET_AS_ID: 'ERR_KEYMESH_SECRET_AS_ID',
  UNSUPPORTED_CLIENT: 'ERR_KEYMESH_UNSUPPORTED_CLIENT',
  UNSAFE_URL: 'ERR_KEYMESH_UNSAFE_URL',
  POOL_EXHAUSTED: 'ERR_KEYMESH_POOL_EXHAUSTED',
  POOL_CLOSED: 'ERR_KEYMESH_POOL_CLOSED',
  ATTEMPT_TIMEOUT: 'ERR_KEYMESH_ATTEMPT_TIMEOUT',
  HTTP_STATUS: 'ERR_KEYMESH_HTTP_STATUS',
  STREAM_IDLE: 'ERR_KEYMESH_STREAM_IDLE',
  STREAM_ERROR_EVENT: 'ERR_KEYMESH_STREAM_ERROR_EVENT',
  CLIENT_ALREADY_POOLED: 'ERR_KEYMESH_CLIENT_ALREADY_POOLED',
  /** A warning code (never thrown): a framework integration was created while a request was being handled. */
  CREATED_IN_REQUEST_HANDLER: 'ERR_KEYMESH_CREATED_IN_REQUEST_HANDLER',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class KeymeshError extends Error {
  readonly [keymeshErrorMarker] = true;
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export function isKeymeshError(value: unknown): value is KeymeshError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[keymeshErrorMarker] === true;
}
