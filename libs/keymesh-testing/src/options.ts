import { nonNegative, toScript, validateHints, type Behaviour, type KeyBehaviour, type RetryHints } from './behaviour.js';
import { DEFAULT_MODELS, wireFor } from './providers/index.js';
import type { HttpAuth } from './providers/http.js';
import { resolveQuota, type QuotaOptions, type ResolvedQuota } from './quota/quota-options.js';
import type { ProviderName, ProviderWire } from './wire.js';

/** Reply text of completions unless a behaviour or the `text` option says otherwise. */
export const DEFAULT_TEXT = 'Hello from the fake provider!';

interface CommonOptions {
  /** Behaviour (or script) per key. A key not listed here gets `unknownKey`. */
  readonly keys?: Readonly<Record<string, KeyBehaviour>>;
  /** What keys not in `keys` get; default `{ kind: 'invalid_key' }`, the provider's bad-key answer. */
  readonly unknownKey?: KeyBehaviour;
  /** Delay before every answer, in ms; a behaviour's own `latencyMs` wins. Default 0. */
  readonly latencyMs?: number;
  /** Default retry hints on 429s of `rate_limit` behaviours (`'all'`: what the real provider sends). */
  readonly hints?: RetryHints;
  /** Time source for rate-limit windows, `at` stamps and reset timestamps. Default `Date.now`. */
  readonly clock?: () => number;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Reply text of completions. Default {@link DEFAULT_TEXT}. */
  readonly text?: string;
  /** Model ids the model-list endpoints return (gemini: without the `models/` prefix). */
  readonly models?: readonly string[];
  /**
   * Page size of model lists when the request names none (anthropic: `limit`, gemini: `pageSize`).
   * Lets `for await (const m of client.models.list())` cross pages with a short catalogue.
   * openai's `/v1/models` ignores it: openai 7's `models.list()` reads one page only.
   */
  readonly pageSize?: number;
}

export interface SdkFakeProviderOptions extends CommonOptions {
  readonly provider: 'openai' | 'anthropic' | 'gemini';
  /**
   * Quota mode: organisations (Gemini: projects) that hold keys and share limits per model, with
   * the provider's real rate-limit headers and 429s. A key of an organisation answers `ok` unless
   * `keys` gives it a behaviour; the quota applies to the behaviours that reach the endpoint.
   */
  readonly quota?: QuotaOptions;
}

export interface HttpFakeProviderOptions extends CommonOptions {
  readonly provider: 'http';
  /** Where the key arrives. Default `'bearer'` (`Authorization: Bearer <key>`). */
  readonly auth?: HttpAuth;
}

export type FakeProviderOptions = SdkFakeProviderOptions | HttpFakeProviderOptions;

export interface ResolvedOptions {
  readonly wire: ProviderWire;
  readonly scripts: Map<string, readonly Behaviour[]>;
  readonly unknownKeyScript: readonly Behaviour[];
  readonly latencyMs: number;
  readonly hints: RetryHints;
  readonly clock: () => number;
  readonly port: number;
  readonly host: string;
  readonly text: string;
  readonly models: readonly string[];
  readonly pageSize: number | undefined;
  readonly quota: ResolvedQuota | undefined;
}

const KNOWN_OPTIONS = new Set(['provider', 'keys', 'unknownKey', 'latencyMs', 'hints', 'clock', 'port', 'host', 'text', 'models', 'pageSize', 'auth', 'quota']);
const PROVIDERS: ReadonlySet<string> = new Set<ProviderName>(['openai', 'anthropic', 'gemini', 'http']);

/** Validates everything up front: a typo in a test's fake should fail the test, not go unnoticed. */
export function resolveOptions(options: FakeProviderOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('startFakeProvider: options are required');
  const unknown = Object.keys(options).filter((name) => !KNOWN_OPTIONS.has(name));
  if (unknown.length > 0) throw new TypeError(`startFakeProvider: unknown option(s) ${unknown.join(', ')}`);
  if (!PROVIDERS.has(options.provider)) {
    throw new TypeError(`startFakeProvider: provider must be one of ${[...PROVIDERS].join(', ')}, got ${String(options.provider)}`);
  }
  const auth = options.provider === 'http' ? options.auth : undefined;
  if (options.provider !== 'http' && (options as { auth?: unknown }).auth !== undefined) {
    throw new TypeError(`startFakeProvider: auth applies to provider 'http' only; ${options.provider} reads its key where the real API does`);
  }
  validateAuth(auth);

  const scripts = new Map<string, readonly Behaviour[]>();
  for (const [key, behaviour] of Object.entries(options.keys ?? {})) {
    if (key === '') throw new TypeError('startFakeProvider: keys must not contain an empty key');
    scripts.set(key, toScript(behaviour, `keys[${JSON.stringify(key)}]`));
  }
  if (options.latencyMs !== undefined) nonNegative(options.latencyMs, 'latencyMs');
  if (options.hints !== undefined) validateHints(options.hints, 'hints');
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new TypeError('clock must be a function returning epoch ms');
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port < 65536)) {
    throw new RangeError(`port must be an integer 0-65535, got ${options.port}`);
  }
  if (options.pageSize !== undefined && !(Number.isInteger(options.pageSize) && options.pageSize > 0)) {
    throw new RangeError(`pageSize must be a positive integer, got ${options.pageSize}`);
  }
  const quotaOption = (options as { quota?: QuotaOptions }).quota;
  const quota = quotaOption === undefined ? undefined : resolveQuota(options.provider, quotaOption);
  for (const key of quota?.organizationOf.keys() ?? []) if (!scripts.has(key)) scripts.set(key, [{ kind: 'ok' }]);
  const models = (options.models ?? DEFAULT_MODELS[options.provider]).map((m) =>
    options.provider === 'gemini' ? m.replace(/^models\//, '') : m,
  );
  return {
    wire: wireFor(options.provider, auth),
    scripts,
    unknownKeyScript: toScript(options.unknownKey ?? { kind: 'invalid_key' }, 'unknownKey'),
    latencyMs: options.latencyMs ?? 0,
    hints: options.hints ?? 'all',
    clock: options.clock ?? Date.now,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    text: options.text ?? DEFAULT_TEXT,
    models,
    pageSize: options.pageSize,
    quota,
  };
}

function validateAuth(auth: HttpAuth | undefined): void {
  if (auth === undefined || auth === 'bearer') return;
  const ok =
    auth !== null &&
    typeof auth === 'object' &&
    (('header' in auth && typeof auth.header === 'string' && auth.header !== '') ||
      ('query' in auth && typeof auth.query === 'string' && auth.query !== ''));
  if (!ok) throw new TypeError(`auth must be 'bearer', { header: name } or { query: name }, got ${JSON.stringify(auth)}`);
}
