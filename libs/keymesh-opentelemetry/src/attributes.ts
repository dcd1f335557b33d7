/**
 * Every metric name, attribute name and fixed attribute value this package emits, in one place.
 * `gen_ai.*` follow the OpenTelemetry GenAI semantic conventions (still "Development"); `keymesh.*`
 * cover what they do not: keys, limits, rotations, cooldowns and refusals.
 */

/** The instrumentation scope name of the meter and the tracer. */
export const INSTRUMENTATION_NAME = '@keymesh/opentelemetry';

// GenAI semantic conventions.
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';

export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';

export const GEN_AI_OPERATION_CHAT = 'chat';
export const GEN_AI_TOKEN_TYPE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_OUTPUT = 'output';

// The keymesh.* namespace.
/** The pool's configured name (the user's, e.g. the client name in Nest and Express). */
export const ATTR_KEYMESH_POOL = 'keymesh.pool.name';
/** A key's id: the user's `id`, or the pool's digest of the secret. Never the secret. */
export const ATTR_KEYMESH_KEY_ID = 'keymesh.key.id';
/** The key a request rotated away from. */
export const ATTR_KEYMESH_FROM_KEY_ID = 'keymesh.key.from_id';
/** `closed` | `open` | `half_open` | `disabled`. */
export const ATTR_KEYMESH_KEY_STATE = 'keymesh.key.state';
/** What an attempt's answer was: `ok` or an outcome kind (`rate_limited`, `provider_trouble`, …). */
export const ATTR_KEYMESH_OUTCOME = 'keymesh.attempt.outcome';
/** The attempt's number within its request, from 1. */
export const ATTR_KEYMESH_ATTEMPT = 'keymesh.attempt.number';
/** Why a request moved to another key (the failed attempt's outcome kind). */
export const ATTR_KEYMESH_ROTATION_REASON = 'keymesh.rotation.reason';
/** Where a rate limit's cooldown came from: `hint`, `default`, `headers` or `fleet_limit`. */
export const ATTR_KEYMESH_RATE_LIMIT_SOURCE = 'keymesh.rate_limit.source';
/** Why a key was disabled: `quota_exhausted`, `key_rejected` or `manual`. */
export const ATTR_KEYMESH_DISABLE_REASON = 'keymesh.disable.reason';
/** The state a breaker moved to: `open`, `half_open` or `closed`. */
export const ATTR_KEYMESH_CIRCUIT_STATE = 'keymesh.circuit.state';
/** Milliseconds the pool waited before the next attempt (0: rotated at once). */
export const ATTR_KEYMESH_RETRY_DELAY_MS = 'keymesh.retry.delay_ms';
/** Milliseconds the provider's rate-limit hint (or the default cooldown) sidelined the key for. */
export const ATTR_KEYMESH_RATE_LIMIT_WAIT_MS = 'keymesh.rate_limit.wait_ms';
/** The scope of a limit (a model, a name several models share, or `default`), bounded like `gen_ai.request.model`. */
export const ATTR_KEYMESH_LIMIT_SCOPE = 'keymesh.limit.scope';
/** A key's quota group: its declared `group`, a detected group's id, or the key's own id. */
export const ATTR_KEYMESH_KEY_GROUP = 'keymesh.key.group';
/** A rate-limit dimension: `requests`, `tokens`, `input_tokens`, `output_tokens`. */
export const ATTR_KEYMESH_LIMIT_DIMENSION = 'keymesh.limit.dimension';
/** Why a request found no key: `no_key` (none frees inside its budget) or `overload` (refused rather than queued). */
export const ATTR_KEYMESH_EXHAUSTION_REASON = 'keymesh.exhaustion.reason';
/** Why a breaker opened: `failures` (key-scoped failures in a row) or `outlier` (sick while the others succeed). */
export const ATTR_KEYMESH_CIRCUIT_REASON = 'keymesh.circuit.reason';

export const METRIC_KEYMESH_ATTEMPTS = 'keymesh.attempts';
export const METRIC_KEYMESH_ROTATIONS = 'keymesh.rotations';
export const METRIC_KEYMESH_RATE_LIMITS = 'keymesh.rate_limits';
export const METRIC_KEYMESH_RATE_LIMIT_WAIT = 'keymesh.rate_limit.wait';
export const METRIC_KEYMESH_KEY_DISABLES = 'keymesh.key.disables';
export const METRIC_KEYMESH_CIRCUIT_TRANSITIONS = 'keymesh.circuit.transitions';
export const METRIC_KEYMESH_EXHAUSTIONS = 'keymesh.pool.exhaustions';
export const METRIC_KEYMESH_KEYS = 'keymesh.keys';
export const METRIC_KEYMESH_KEYS_AVAILABLE = 'keymesh.keys.available';
export const METRIC_KEYMESH_KEY_AVAILABLE = 'keymesh.key.available';
export const METRIC_KEYMESH_KEY_COOLDOWN = 'keymesh.key.cooldown';
export const METRIC_KEYMESH_KEY_IN_FLIGHT = 'keymesh.key.in_flight';
export const METRIC_KEYMESH_LIMIT_AVAILABLE = 'keymesh.limit.available';
export const METRIC_KEYMESH_LIMIT_REMAINING = 'keymesh.limit.remaining';

export const OUTCOME_OK = 'ok';
/** The value of a bounded attribute whose real value was not kept (see `maxModels`). */
export const OTHER_VALUE = '_OTHER';

/** Span event names. */
export const EVENT_ATTEMPT = 'keymesh.attempt';
export const EVENT_ROTATED = 'keymesh.key.rotated';
