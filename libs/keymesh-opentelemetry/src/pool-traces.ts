import type { KeyPool, KeymeshEvents } from '@keymesh/core';
import { context, SpanKind, SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_KEYMESH_ATTEMPT,
  ATTR_KEYMESH_FROM_KEY_ID,
  ATTR_KEYMESH_KEY_ID,
  ATTR_KEYMESH_OUTCOME,
  ATTR_KEYMESH_RATE_LIMIT_WAIT_MS,
  ATTR_KEYMESH_RETRY_DELAY_MS,
  ATTR_KEYMESH_ROTATION_REASON,
  EVENT_ATTEMPT,
  EVENT_ROTATED,
  OUTCOME_OK,
} from './attributes.js';
import { listen } from './listen.js';
import { endedByAttempt } from './request-end.js';
import type { PoolLabels } from './pool-labels.js';


/**
 * Requests whose end the pool may never report (it was closed mid-request, which drops its
 * listeners): past this many open spans the oldest is ended, so a closed pool cannot grow the map.
 */
export const MAX_OPEN_SPANS = 10_000;

/**
 * One CLIENT span per request, `chat <model>`, a child of the context active where `execute` was
 * called (passed explicitly: no context manager is needed, and none is changed). Each attempt is
 * a `keymesh.attempt` span event (key id, outcome, status, the wait before the next attempt), each
 * rotation a `keymesh.key.rotated` event, so the trace reads "429 on key a, rotated to b".
 * Events are matched to their span by the request number the pool puts on each of them.
 */
export function tracePool(pool: KeyPool, labels: PoolLabels, tracer: Tracer): () => void {
  const open = new Map<number, Span>();
  /** The last rate limit, so the attempt that caused it (recorded in the same tick) can show its wait. */
  let rateLimit: KeymeshEvents['key.rate_limited'] | undefined;

  const finish = (request: number, span: Span) => {
    open.delete(request);
    span.end();
  };
  const attempt = (number: number, keyId: string, outcome: string, status?: number): Attributes => {
    const attributes: Attributes = { [ATTR_KEYMESH_ATTEMPT]: number, [ATTR_KEYMESH_KEY_ID]: keyId, [ATTR_KEYMESH_OUTCOME]: outcome };
    if (status !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    return attributes;
  };

  const detach = listen(pool, {
    'request.started': (e) => {
      const model = labels.of(e.scope);
      const span = tracer.startSpan(model.spanName, { kind: SpanKind.CLIENT, attributes: model.request }, context.active());
      // A span nobody records (no SDK, or sampled out) takes no events: it is not tracked at all.
      if (!span.isRecording()) return;
      if (open.size >= MAX_OPEN_SPANS) {
        const [oldest, stale] = open.entries().next().value!;
        finish(oldest, stale);
      }
      open.set(e.request, span);
    },
    'key.rate_limited': (e) => {
      rateLimit = e;
    },
    'request.retried': (e) => {
      const span = open.get(e.request);
      if (span === undefined) return;
      const attributes = attempt(e.attempt, e.keyId, e.kind, e.status);
      attributes[ATTR_KEYMESH_RETRY_DELAY_MS] = e.delayMs;
      if (e.kind === 'rate_limited' && rateLimit !== undefined && rateLimit.keyId === e.keyId && rateLimit.at === e.at) {
        attributes[ATTR_KEYMESH_RATE_LIMIT_WAIT_MS] = rateLimit.retryAfterMs;
      }
      span.addEvent(EVENT_ATTEMPT, attributes);
    },
    'key.rotated': (e) => {
      open.get(e.request)?.addEvent(EVENT_ROTATED, { [ATTR_KEYMESH_FROM_KEY_ID]: e.fromKeyId, [ATTR_KEYMESH_KEY_ID]: e.keyId, [ATTR_KEYMESH_ROTATION_REASON]: e.reason });
    },
    'request.succeeded': (e) => {
      const span = open.get(e.request);
      if (span === undefined) return;
      span.addEvent(EVENT_ATTEMPT, attempt(e.attempts, e.keyId, OUTCOME_OK));
      span.setAttribute(ATTR_KEYMESH_KEY_ID, e.keyId);
      if (e.usage?.inputTokens !== undefined) span.setAttribute(ATTR_GEN_AI_USAGE_INPUT_TOKENS, e.usage.inputTokens);
      if (e.usage?.outputTokens !== undefined) span.setAttribute(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, e.usage.outputTokens);
      finish(e.request, span);
    },
    'request.failed': (e) => {
      const span = open.get(e.request);
      if (span === undefined) return;
      if (endedByAttempt(e)) span.addEvent(EVENT_ATTEMPT, attempt(e.attempts, e.keyId, e.kind, e.status));
      span.setAttribute(ATTR_ERROR_TYPE, e.kind);
      // The status description is our own word for it: upstream text never reaches a span.
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.kind });
      finish(e.request, span);
    },
  });

  return () => {
    detach();
    for (const span of open.values()) span.end();
    open.clear();
    rateLimit = undefined;
  };
}
