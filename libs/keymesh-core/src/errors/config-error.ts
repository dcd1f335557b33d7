import { KeymeshError, isKeymeshError, type ErrorCode } from './keymesh-error.js';

const configErrorMarker = Symbol.for('keymesh.config-error');

/** Bad options or bad key specs. Thrown synchronously, at construction or by the run-time key methods. */
export class ConfigError extends KeymeshError {
  readonly [configErrorMarker] = true;
  /** Dotted path of the offending option, e.g. `retry.maxAttempts` or `keys[2].secret`. */
  readonly option: string | undefined;

  constructor(code: ErrorCode, message: string, option?: string) {
    super(code, message);
    this.option = option;
  }
}

export function isConfigError(value: unknown): value is ConfigError {
  return isKeymeshError(value) && (value as unknown as Record<symbol, unknown>)[configErrorMarker] === true;
}
