import { ErrorCodes } from '@keymesh/core';

/** The stable code of the warning; match on it, never on the message. */
export const CREATED_IN_REQUEST_HANDLER = ErrorCodes.CREATED_IN_REQUEST_HANDLER;

// Express 4 (`Layer.handle [as handle_request]`, `Layer.handle_error`) and Express 5's router
// (`Layer.handleRequest`, `Layer.handleError`) run every handler through these frames.
const handlerFrame = /\bLayer\.(handle \[as handle_request\]|handle_error|handleRequest|handleError) \(/;

let reported = false;

/**
 * Warns, once per process, when `keymesh()` runs inside an Express handler: a mesh made per
 * request gets fresh pools every time, so no breaker, cooldown or rate-limit hint ever carries over
 * to the next request. It warns rather than throws so the request in flight still succeeds.
 *
 * Like express-rate-limit's ERR_ERL_CREATED_IN_REQUEST_HANDLER, this reads the call stack, so it
 * sees a creation made synchronously in a handler (or in anything the handler calls), not one made
 * after an `await`.
 */
export function warnIfCreatedInRequestHandler(): void {
  if (reported || !createdInRequestHandler()) return;
  reported = true;
  process.emitWarning(
    'keymesh() was called while Express was handling a request. Create the middleware once, at application start, ' +
      'and app.use() it: pools made per request forget every rate limit and open circuit as soon as the request ends.',
    { type: 'KeymeshWarning', code: CREATED_IN_REQUEST_HANDLER },
  );
}

function createdInRequestHandler(): boolean {
  const limit = Error.stackTraceLimit;
  // The default 10 frames can end before the Express layer when the mesh is built a few helpers deep.
  Error.stackTraceLimit = Math.max(limit, 100);
  try {
    return handlerFrame.test(new Error('keymesh creation check').stack ?? '');
  } finally {
    Error.stackTraceLimit = limit;
  }
}
