import { adapterNameOf, defaultScope, type KeyPool } from '@keymesh/core';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_KEYMESH_POOL,
  GEN_AI_OPERATION_CHAT,
  OTHER_VALUE,
} from './attributes.js';

/** `gen_ai.provider.name` of each built-in adapter; an http or custom adapter names no provider. */
const providerOfAdapter: Readonly<Record<string, string>> = { openai: 'openai', anthropic: 'anthropic', gemini: 'gcp.gemini' };

/** Longest model name kept as an attribute value; longer ones count as `_OTHER`. */
const MAX_MODEL_LENGTH = 128;

/**
 * The attributes every signal of one pool carries, and its bounded set of model values. A
 * request's scope is the caller's input (a model name taken from a request body): only the first
 * `maxModels` distinct short ones become `gen_ai.request.model` values, the rest `_OTHER`, so no
 * caller can grow a metric's series without bound.
 */
export class PoolLabels {
  readonly provider: string | undefined;
  /** The pool and its provider: what every `keymesh.*` metric carries. */
  readonly pool: Attributes;
  /** `pool` plus the operation name: what the `gen_ai.*` signals carry. */
  readonly base: Attributes;
  readonly #models = new Map<string, Attributes>();
  readonly #maxModels: number;

  constructor(pool: KeyPool, providerName: string | undefined, maxModels: number) {
    const adapter = adapterNameOf(pool);
    this.provider = providerName ?? (adapter === undefined ? undefined : providerOfAdapter[adapter]);
    this.#maxModels = maxModels;
    this.pool = { [ATTR_KEYMESH_POOL]: pool.name };
    if (this.provider !== undefined) this.pool[ATTR_GEN_AI_PROVIDER_NAME] = this.provider;
    this.base = { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT, ...this.pool };
  }

  /** The model to report for a scope: itself while the set has room, else `_OTHER`; none for the default scope. */
  model(scope: string): string | undefined {
    if (scope === defaultScope) return undefined;
    return this.#models.has(scope) || this.#admit(scope) ? scope : OTHER_VALUE;
  }

  /** The base attributes plus the request's model, one object per model (reused: no allocation per request). */
  request(scope: string): Attributes {
    const model = this.model(scope);
    if (model === undefined) return this.base;
    let attributes = this.#models.get(model);
    if (attributes === undefined) {
      attributes = { ...this.base, [ATTR_GEN_AI_REQUEST_MODEL]: model };
      this.#models.set(model, attributes);
    }
    return attributes;
  }

  #admit(scope: string): boolean {
    // At most `maxModels` names, plus `_OTHER` once the set is full.
    if (scope.length > MAX_MODEL_LENGTH || this.#models.size >= this.#maxModels) return false;
    this.#models.set(scope, { ...this.base, [ATTR_GEN_AI_REQUEST_MODEL]: scope });
    return true;
  }
}
