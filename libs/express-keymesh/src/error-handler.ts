import { errorResponse } from '@keymesh/core';
import type { KeymeshErrorHandler } from './types.js';

/**
 * Answers what a pooled call can throw with an RFC 9457 `application/problem+json` body that
 * never carries the provider's text (it may quote a key) — `errorResponse()` from
 * `@keymesh/core`, the same answers `@keymesh/nestjs` gives:
 *
 * - `PoolExhaustedError`, or an upstream 429 once attempts ran out: 503 with `Retry-After`;
 * - upstream 401/403 (the service's keys were refused): 502;
 * - upstream 400/413/422: the same status; other 4xx, 5xx, resets, in-stream errors: 502; timeouts: 504.
 *
 * Errors of the app's own go to the next error handler untouched. Register it after your routes:
 * `app.use(keymeshErrorHandler())`.
 */
export function keymeshErrorHandler(): KeymeshErrorHandler {
  // Four named parameters: Express recognises an error handler by its arity.
  return function keymeshErrorHandler(error, _req, res, next) {
    const answer = errorResponse(error);
    // Once a streamed answer has begun, a status can no longer be sent: Express's final handler
    // then closes the connection, which is all a client mid-stream can be told.
    if (answer === undefined || res.headersSent) {
      next(error);
      return;
    }
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.end(JSON.stringify(answer.body));
  };
}
