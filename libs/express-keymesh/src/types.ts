import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientConfig, KeymeshAdapter, KeymeshClients as KeymeshGroup, SharedPoolOptions } from '@keymesh/core';

/**
 * The clients your app puts on `req.llm`, declared once so every route sees them typed:
 *
 * ```ts
 * declare module '@keymesh/express' {
 *   interface KeymeshClients { openai: OpenAI; claude: Anthropic }
 * }
 * ```
 *
 * or derived from the middleware itself: `interface KeymeshClients extends ClientsOf<typeof mesh> {}`.
 * Empty until declared, so `req.llm.anything` is a type error rather than a silent `any`.
 */
export interface KeymeshClients {}

declare global {
  // Express types `req` as Express.Request in both major versions; merging here types `req.llm` everywhere.
  namespace Express {
    interface Request {
      /** The pooled clients of every `keymesh()` middleware this request went through. */
      llm: Readonly<KeymeshClients>;
    }
  }
}

/** `keymesh()` options: the named clients, plus pool options shared by all of them (a client's own options win). */
export type KeymeshOptions<Configs extends Record<string, ClientConfig> = Record<string, ClientConfig>> = SharedPoolOptions & {
  clients: Configs & ExactClientConfigs<Configs>;
};

/** Every property a client config may have. */
type ClientOptionName = keyof SharedPoolOptions | 'keys' | 'client' | 'adapter' | 'fetch';

/**
 * Each config as written, with any property that is not a client option typed `never`. The
 * configs are inferred from the call (so each client keeps its own type), and an inferred type
 * gets no excess-property check: without this, `{ client, keys, stratgy: 'priority' }` would
 * type-check and only fail at start.
 */
export type ExactClientConfigs<Configs> = { [K in keyof Configs]: { [P in Exclude<keyof Configs[K], ClientOptionName>]: never } };

/** What one client config makes: a `keymeshFetch` (`fetch: { provider }`), the adapter's wrapped client, or the SDK client's own type. */
export type ClientOf<Config> = Config extends { fetch: object }
  ? typeof fetch
  : Config extends { adapter: KeymeshAdapter<never, infer Wrapped> }
    ? Wrapped
    : Config extends { client: infer Client }
      ? Client
      : never;

/** The named, pooled clients of a `keymesh()` middleware: `ClientsOf<typeof mesh>`. */
export type ClientsOf<Mesh> = Mesh extends { readonly clients: infer Clients } ? { readonly [K in keyof Clients]: Clients[K] } : never;

/** Continues the Express chain; `next(error)` hands an error to the error handlers. */
export type Next = (error?: unknown) => void;

/**
 * The middleware `keymesh()` returns. Typed with Node's request and response (which Express's
 * extend), so it fits Express 4 and 5 alike.
 */
export interface KeymeshMiddleware<Clients extends Record<string, unknown> = Record<string, unknown>> extends KeymeshGroup<Clients> {
  /** Sets `req.llm.<name>` to each wrapped client and calls `next()`. */
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  /** Answers 200 while every pool has a key that can serve now, else 503; the body is `healthReport(pools)`. */
  readonly health: HealthHandler;
}

export type HealthHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** An Express error handler: four parameters, which is how Express tells it from a middleware. */
export type KeymeshErrorHandler = (error: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void;
