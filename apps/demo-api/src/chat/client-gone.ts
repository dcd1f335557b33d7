import type { Response } from 'express';

/** The abort reason when the caller disconnects before its answer is complete. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() {
    super('The client disconnected before the answer was complete.');
  }
}

/**
 * A signal that aborts when the client goes away mid-answer, for the SDK call: the pool then
 * stops the upstream request and makes no retry for a caller who is no longer there. The
 * response's `close` (not the request's, which fires once the body is read) marks the disconnect.
 */
export function abortWhenClientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new ClientGoneError());
  });
  return controller.signal;
}
