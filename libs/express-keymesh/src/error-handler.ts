import { exhaustedResponse, isPoolExhaustedError } from '@keymesh/core';
import type { KeymeshErrorHandler } from './types.js';

/**
 * Answers a `PoolExhaustedError` with 503, `Retry-After` (whole seconds, rounded up; absent when
 * no key frees up by itself) and an RFC 9457 `application/problem+json` body naming the pool,
 * never a key. Every other error goes to the next error handler untouched. Register it after
 * your routes: `app.use(keymeshErrorHandler())`.
 */
export function keymeshErrorHandler(): KeymeshErrorHandler {
  // Four named parameters: Express recognises an error handler by its arity.
  return function keymeshErrorHandler(error, _req, res, next) {
    // Once a streamed answer has begun, a status can no longer be sent: Express's final handler
    // then closes the connection, which is all a client mid-stream can be told.
    if (!isPoolExhaustedError(error) || res.headersSent) {
      next(error);
      return;
    }
    const { status, headers, body } = exhaustedResponse(error);
    res.statusCode = status;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.end(JSON.stringify(body));
  };
}
