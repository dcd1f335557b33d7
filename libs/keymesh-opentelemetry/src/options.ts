import { ConfigError, ErrorCodes } from '@keymesh/core';
import type { InstrumentKeymeshOptions } from './instrument-keymesh.js';

const known = new Set(['meterProvider', 'tracerProvider', 'providerName', 'maxModels', 'traces', 'metrics']);

/** Validates the options, naming the fix for each mistake; returns the resolved defaults. */
export function checkOptions(options: InstrumentKeymeshOptions): { maxModels: number; traces: boolean; metrics: boolean } {
  if (typeof options !== 'object' || options === null) throw new ConfigError(ErrorCodes.INVALID_OPTION, 'instrumentKeymesh() options must be an object.', 'options');
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw new ConfigError(ErrorCodes.UNKNOWN_OPTION, `unknown option ${JSON.stringify(name)}; known: ${[...known].join(', ')}.`, name);
  }
  const { maxModels = 32, providerName, traces = true, metrics = true } = options;
  if (!Number.isInteger(maxModels) || maxModels < 0 || maxModels > 10_000) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`maxModels` must be an integer from 0 to 10000 (default 32).', 'maxModels');
  }
  if (providerName !== undefined && (typeof providerName !== 'string' || !/^[a-z][a-z0-9._-]{0,63}$/.test(providerName))) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`providerName` must be a lowercase name such as "openai", "anthropic", "gcp.gemini" or your own.', 'providerName');
  }
  for (const [name, value] of [['traces', traces], ['metrics', metrics]] as const) {
    if (typeof value !== 'boolean') throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`${name}\` must be true or false.`, name);
  }
  for (const name of ['meterProvider', 'tracerProvider'] as const) {
    const provider = options[name] as { getMeter?: unknown; getTracer?: unknown } | undefined;
    const method = name === 'meterProvider' ? 'getMeter' : 'getTracer';
    if (provider !== undefined && typeof provider[method] !== 'function') {
      throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`${name}\` must be an OpenTelemetry ${name === 'meterProvider' ? 'MeterProvider' : 'TracerProvider'} (with ${method}()).`, name);
    }
  }
  return { maxModels, traces, metrics };
}
