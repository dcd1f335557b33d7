import type { ClientConfig, SharedPoolOptions } from '@keymesh/core';

/** What `forRoot` / the `forRootAsync` factory return: the named clients and defaults for their pools. */
export interface KeymeshModuleOptions {
  /** `{ openai: { client: new OpenAI({ apiKey: 'unused' }), keys } }`; any adapter works, `httpAdapter` included. */
  clients: Record<string, ClientConfig>;
  /** Pool options every client shares; a client's own options win. */
  defaults?: SharedPoolOptions;
  /** Log notable transitions (circuit opened, key disabled, pool exhausted) through Nest's Logger. Default true. */
  logTransitions?: boolean;
}

/** Module-level options of both `forRoot` and `forRootAsync`. */
export interface KeymeshModuleExtras {
  /** The built-in health endpoint: on at /health/keys by default; `false` turns it off. */
  health?: { path?: string } | false;
  /** Register the module globally. Default false. */
  isGlobal?: boolean;
}
