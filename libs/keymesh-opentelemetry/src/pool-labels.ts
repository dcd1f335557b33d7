import { adapterNameOf, defaultScope, type KeyPool } from '@keymesh/core';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_KEYMESH_POOL,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_TOKEN_TYPE_INPUT,
  GEN_AI_TOKEN_TYPE_OUTPUT,
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
/** What the signals of requests for one model carry, built once per model. */
export interface ModelLabels {
  /** The `gen_ai.*` attributes: operation, provider, pool and (unless the default scope) the model. */
  readonly request: Attributes;
  /** `request` plus `gen_ai.token.type`: input / output. */
  readonly inputTokens: Attributes;
  readonly outputTokens: Attributes;
  /** `chat <model>`, or `chat` without one, as the conventions name the span. */
  readonly spanName: string;
}

export class PoolLabels {
  readonly provider: string | undefined;
  /** The pool and its provider: what every `keymesh.*` metric carries. */
  readonly pool: Attributes;
  /** `pool` plus the operation name: what the `gen_ai.*` signals carry. */
  readonly base: Attributes;
  readonly #models = new Map<string, ModelLabels>();
  readonly #noModel: ModelLabels;
  readonly #maxModels: number;

  constructor(pool: KeyPool, providerName: string | undefined, maxModels: number) {
    const adapter = adapterNameOf(pool);
    this.provider = providerName ?? (adapter === undefined ? undefined : providerOfAdapter[adapter]);
    this.#maxModels = maxModels;
    this.pool = { [ATTR_KEYMESH_POOL]: pool.name };
    if (this.provider !== undefined) this.pool[ATTR_GEN_AI_PROVIDER_NAME] = this.provider;
    this.base = { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT, ...this.pool };
    this.#noModel = this.#labels(undefined);
  }

  /** The labels of a request's scope: its own while the set has room, else `_OTHER`'s; no model for the default scope. One Map lookup. */
  of(scope: string): ModelLabels {
    if (scope === defaultScope) return this.#noModel;
    const known = this.#models.get(scope);
    if (known !== undefined) return known;
    // At most `maxModels` names, plus `_OTHER` once the set is full.
    const admitted = scope.length <= MAX_MODEL_LENGTH && this.#models.size < this.#maxModels;
    const model = admitted ? scope : OTHER_VALUE;
    let labels = this.#models.get(model);
    if (labels === undefined) this.#models.set(model, (labels = this.#labels(model)));
    return labels;
  }

  /** A limit's or rate limit's scope as an attribute value: the bounded model, or `default`. */
  scope(scope: string): string {
    return scope === defaultScope ? defaultScope : (this.of(scope).request[ATTR_GEN_AI_REQUEST_MODEL] as string);
  }

  #labels(model: string | undefined): ModelLabels {
    const request = model === undefined ? this.base : { ...this.base, [ATTR_GEN_AI_REQUEST_MODEL]: model };
    return {
      request,
      inputTokens: { ...request, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_INPUT },
      outputTokens: { ...request, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_OUTPUT },
      spanName: model === undefined ? GEN_AI_OPERATION_CHAT : `${GEN_AI_OPERATION_CHAT} ${model}`,
    };
  }
}
