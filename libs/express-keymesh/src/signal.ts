import type { IncomingMessage, ServerResponse } from 'node:http';

const signals = new WeakMap<IncomingMessage, AbortSignal>();

/**
 * An `AbortSignal` that fires when the client goes away before the response is complete. Pass it
 * to the SDK call (`{ signal: signalOf(req) }`) and a closed browser tab cancels the upstream
 * request and every retry the pool would have made for it. The same signal comes back for every
 * call on one request.
 *
 * `res` defaults to `req.res`, which Express sets; pass it when using plain `node:http`.
 */
export function signalOf(req: IncomingMessage & { res?: ServerResponse }, res: ServerResponse | undefined = req.res): AbortSignal {
  const known = signals.get(req);
  if (known) return known;
  if (!res) throw new TypeError('signalOf(req) needs an Express request (with req.res), or the response as a second argument.');

  const controller = new AbortController();
  signals.set(req, controller.signal);
  // Not `req.on('close')`: on Node ≥ 16 it also fires once a request body has been read in full,
  // which would cancel every POST. The response closes early only when the connection does.
  const onClose = () => {
    if (!res.writableFinished) {
      controller.abort(new DOMException('The client closed the connection before the response was complete.', 'AbortError'));
    }
  };
  if (res.closed) onClose();
  else res.once('close', onClose);
  return controller.signal;
}
