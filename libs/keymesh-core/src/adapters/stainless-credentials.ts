import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import { streamFailoverHeader } from './stream-failover.js';

/**
 * The per-request headers that carry a pooled key (a `null` removes a client-level header). Each
 * also removes the per-request stream switch, which Keymesh reads and never sends.
 */
export type Credential = (secret: string) => Record<string, string | null>;

interface StainlessInternals {
  _provider?: unknown;
  _workloadIdentityAuth?: unknown;
  _options?: { apiKey?: unknown; azureADTokenProvider?: unknown };
  apiVersion?: unknown;
  deploymentName?: unknown;
}

/** True when `client`'s class, or a class it extends, has this name (across copies of the SDK). */
export function hasClassNamed(client: object, name: string): boolean {
  for (let proto = Object.getPrototypeOf(client) as { constructor?: { name?: unknown } } | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as typeof proto) {
    if (proto.constructor?.name === name) return true;
  }
  return false;
}

function unsupported(why: string): ConfigError {
  return new ConfigError(ErrorCodes.UNSUPPORTED_CLIENT, why, 'client');
}

/**
 * How an OpenAI client authenticates, and so where the pooled key goes:
 * - `OpenAI` sends `Authorization: Bearer <key>`;
 * - `AzureOpenAI` sends `api-key: <key>`: the pool is a pool of Azure resource keys, and no
 *   `Authorization` is sent beside it;
 * - clients whose credential is not a key Keymesh can swap are refused here, with the reason:
 *   a `provider` (e.g. `bedrock(…)`, which signs every request itself), workload identity, and
 *   an `AzureOpenAI` built with `azureADTokenProvider` (Entra ID tokens).
 */
export function openaiCredential(client: object): Credential {
  const internals = client as StainlessInternals;
  if (internals._provider !== undefined && internals._provider !== null) {
    throw unsupported(
      'This OpenAI client authenticates through its `provider` option (e.g. bedrock(…)), which signs every request itself: there is no API key for Keymesh to pool, and a pooled key would break its signature. Use the provider\'s client without Keymesh, or an OpenAI client with `apiKey` for pooled keys.',
    );
  }
  if (internals._workloadIdentityAuth !== undefined && internals._workloadIdentityAuth !== null) {
    throw unsupported('This OpenAI client authenticates with workload identity (short-lived tokens it fetches itself): there is no API key for Keymesh to pool. Build the client with `apiKey: \'unused\'` and pass API keys as `keys`.');
  }
  if (hasClassNamed(client, 'AzureOpenAI')) {
    if (typeof internals._options?.apiKey === 'function') {
      throw unsupported("This AzureOpenAI client authenticates with `azureADTokenProvider` (Entra ID tokens): there is no key for Keymesh to pool. To pool Azure resource keys, build it with `apiKey: 'unused'` and pass the resource keys as `keys`.");
    }
    return (secret) => ({ 'api-key': secret, Authorization: null, [streamFailoverHeader]: null });
  }
  return (secret) => ({ Authorization: `Bearer ${secret}`, [streamFailoverHeader]: null });
}

/**
 * Requests the SDK authenticates with something other than the pooled API key: openai's admin
 * routes (`admin.*`) declare `__security: { adminAPIKeyAuth: true }` and send the client's
 * `adminAPIKey`. They pass through with their own credential and never touch key state: a 401
 * from an admin route says nothing about the pooled keys.
 */
export function usesOwnCredential(request: { __security?: { bearerAuth?: unknown } }): boolean {
  const security = request.__security;
  return security !== undefined && security !== null && security.bearerAuth !== true;
}

/** Anthropic SDK 1.x sends the key as `Authorization: Bearer`; a client-level `X-Api-Key` is removed so exactly one credential goes out. */
export const anthropicCredential: Credential = (secret) => ({ Authorization: `Bearer ${secret}`, 'X-Api-Key': null, [streamFailoverHeader]: null });
