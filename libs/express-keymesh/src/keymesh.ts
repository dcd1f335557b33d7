import type { IncomingMessage } from 'node:http';
import { ConfigError, createKeymeshClients, isConfigError, type ClientConfig, type KeymeshClients } from '@keymesh/core';
import { warnIfCreatedInRequestHandler } from './created-in-request-handler.js';
import { healthHandler } from './health-handler.js';
import type { ClientOf, KeymeshMiddleware, KeymeshOptions } from './types.js';

/**
 * Creates every named client and its pool, once (call it at application start), and returns the
 * middleware that puts them on `req.llm`:
 *
 * ```ts
 * const mesh = keymesh({ clients: { openai: { client: new OpenAI({ apiKey: 'unused' }), keys } }, strategy: 'headroom' });
 * app.use(mesh);                          // req.llm.openai
 * app.get('/health/keys', mesh.health);
 * ```
 *
 * Options other than `clients` are pool options shared by every client; a client's own win. Bad
 * options throw a `ConfigError` here, not on the first request.
 */
export function keymesh<Configs extends Record<string, ClientConfig>>(
  options: KeymeshOptions<Configs>,
): KeymeshMiddleware<{ [K in keyof Configs]: ClientOf<Configs[K]> }> {
  warnIfCreatedInRequestHandler();
  // `?? {}`: a JavaScript caller's `keymesh()` gets core's ConfigError naming `clients`, not a destructuring TypeError.
  const { clients: configs, ...defaults } = options ?? ({} as KeymeshOptions<Configs>);
  const group = createClients(configs, defaults);
  // One frozen object shared by every request: attaching the clients costs no allocation.
  const clients = Object.freeze({ ...group.clients });

  function keymeshMiddleware(req: IncomingMessage, _res: unknown, next: (error?: unknown) => void): void {
    const request = req as IncomingMessage & { llm?: Readonly<Record<string, unknown>> };
    const earlier = request.llm;
    // Several meshes (say, one per router) add up instead of hiding each other's clients.
    request.llm = earlier === undefined || earlier === clients ? clients : Object.freeze({ ...earlier, ...clients });
    next();
  }

  return Object.assign(keymeshMiddleware, {
    clients,
    pools: group.pools,
    health: healthHandler(group.pools),
    close: group.close,
  }) as unknown as KeymeshMiddleware<{ [K in keyof Configs]: ClientOf<Configs[K]> }>;
}

/**
 * The shared options are written at the top level of `keymesh({ … })`, not under `defaults` as
 * core's group calls them: a misspelt one is reported where the user wrote it.
 */
function createClients(clients: Record<string, ClientConfig>, defaults: object): KeymeshClients<Record<string, unknown>> {
  try {
    return createKeymeshClients<Record<string, unknown>>({ clients, defaults });
  } catch (error) {
    if (!isConfigError(error) || !error.option?.startsWith('defaults.')) throw error;
    throw new ConfigError(error.code, `keymesh(): ${error.message.replace(/^defaults: /, '')}`, error.option.slice('defaults.'.length));
  }
}
