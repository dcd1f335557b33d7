import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Behaviour, RetryHint, RetryHints } from './behaviour.js';
import type { Decision } from './key-table.js';
import type { QuotaVerdict } from './quota/quota-ledger.js';
import type { ProviderWire, RouteResult, WireContext, WireResponse } from './wire.js';

/** One request/response pair being answered. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Told the status as the status line is committed, for the recording. */
  readonly onStatus: (status: number) => void;
}

export interface Plan {
  /** Undefined when the request carried no credential. */
  readonly decision: Decision | undefined;
  readonly key: string | undefined;
  /** Server-wide default hints, used when a rate_limit behaviour names none. */
  readonly hints: RetryHints;
  readonly ctx: WireContext;
  /**
   * Present when the key belongs to a quota organisation: the verdict on the request's limits, or
   * undefined when its model has none (then the answer carries no rate-limit headers).
   */
  readonly limits?: { readonly verdict: QuotaVerdict | undefined };
}

/**
 * Answers according to the key's behaviour. Faults that are not an error status (stalls, drops,
 * stream errors) wrap whatever the endpoint would have answered, so they behave the same on
 * every route; error statuses answer before routing, as real providers check keys first.
 */
export function respond(ex: Exchange, wire: ProviderWire, plan: Plan): void {
  const { decision, ctx } = plan;
  if (!decision) return send(ex, wire.invalidKey(undefined, ctx));
  const b = decision.behaviour;
  switch (b.kind) {
    case 'reset':
      // RST rather than FIN: the client sees ECONNRESET, as when a proxy or load balancer drops it.
      ex.req.socket.resetAndDestroy();
      return;
    case 'invalid_key':
      return send(ex, wire.invalidKey(plan.key, ctx));
    case 'quota':
      return send(ex, wire.quota(ctx));
    case 'status': {
      const r = wire.status(b.status, ctx);
      return send(ex, { status: r.status, headers: { ...r.headers, ...b.headers }, body: b.body === undefined ? r.body : b.body });
    }
    case 'rate_limit':
      if (decision.limited) {
        const reply = { rate: decision.rate, retryAfterMs: b.retryAfterMs ?? decision.rate.resetMs, hints: hintSet(b.hints ?? plan.hints, wire) };
        return send(ex, wire.rateLimited(reply, ctx));
      }
      break;
  }
  const verdict = plan.limits?.verdict;
  if (verdict && verdict.exceeded.length > 0 && wire.limits) return send(ex, wire.limits.exceeded(verdict, hintSet(plan.hints, wire), ctx));
  const route = wire.route(ctx.request, ctx);
  const success = plan.limits
    ? { ...wire.successHeaders(undefined, ctx), ...(verdict && wire.limits ? wire.limits.headers(verdict, ctx) : {}) }
    : wire.successHeaders(decision.rate, ctx);
  if (route.type === 'stream') return stream(ex, route, { ...route.headers, ...success }, b, () => wire.streamError(ctx).frame);
  const r = route.response;
  const ok = r.status < 300;
  const response = ok ? { ...r, headers: { ...r.headers, ...success } } : r;
  switch (b.kind) {
    case 'stall_body':
    case 'stream_stall':
      return partial(ex, response, false);
    case 'stream_drop':
      return partial(ex, response, true);
    case 'stream_error':
      return send(ex, ok ? wire.streamError(ctx).response : r);
    default:
      return send(ex, response);
  }
}

function hintSet(hints: RetryHints, wire: ProviderWire): ReadonlySet<RetryHint> {
  if (hints === 'all') return new Set(wire.defaultHints);
  if (hints === 'none') return new Set();
  return new Set(hints);
}

function send(ex: Exchange, response: WireResponse): void {
  const payload = JSON.stringify(response.body);
  ex.onStatus(response.status);
  ex.res.writeHead(response.status, { ...response.headers, 'content-length': String(Buffer.byteLength(payload)) });
  ex.res.end(payload);
}

/** Headers and half the body; no content-length, so the body can stop anywhere. */
function partial(ex: Exchange, response: WireResponse, drop: boolean): void {
  const payload = JSON.stringify(response.body);
  ex.onStatus(response.status);
  ex.res.writeHead(response.status, response.headers);
  write(ex, payload.slice(0, Math.floor(payload.length / 2)), drop);
}

function stream(
  ex: Exchange,
  route: Extract<RouteResult, { type: 'stream' }>,
  headers: Record<string, string>,
  b: Behaviour,
  errorFrame: () => string,
): void {
  ex.onStatus(200);
  ex.res.writeHead(200, headers);
  const first = (n: number): string => route.frames.slice(0, n).join('');
  switch (b.kind) {
    case 'stall_body':
      return write(ex, '', false);
    case 'stream_stall':
      return write(ex, first(b.afterChunks), false);
    case 'stream_drop':
      return write(ex, first(b.afterChunks), true);
    case 'stream_error':
      ex.res.end(first(b.afterChunks) + errorFrame());
      return;
    default:
      ex.res.end(route.frames.join('') + (route.terminator ?? ''));
  }
}

/**
 * Writes (an empty write still flushes the headers) and, for a drop, closes the socket once the
 * bytes are out: a FIN after the data, not a RST, so the client reads every chunk before it sees
 * the body end early (`TypeError: terminated`).
 */
function write(ex: Exchange, data: string, drop: boolean): void {
  ex.res.write(data, () => {
    if (drop) ex.req.socket.destroy();
  });
}
