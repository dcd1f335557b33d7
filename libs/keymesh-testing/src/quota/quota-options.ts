import type { ProviderName } from '../wire.js';

/**
 * Limits of one (organisation, model), per window, as the provider defines them. Each is a
 * number per window: `…PerMinute` per `windowMs` (default 60 s), `…PerDay` per `dayMs`.
 * - openai: `requestsPerMinute` (RPM) and `tokensPerMinute` (TPM: prompt + maximum output);
 * - anthropic: `requestsPerMinute`, `inputTokensPerMinute` (ITPM) and `outputTokensPerMinute`
 *   (OTPM: the request's `max_tokens`);
 * - gemini: `requestsPerMinute`, `tokensPerMinute` (input tokens, as Gemini counts them) and
 *   `requestsPerDay` (RPD).
 */
export interface ModelLimits {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
  readonly inputTokensPerMinute?: number;
  readonly outputTokensPerMinute?: number;
  readonly requestsPerDay?: number;
}

/** Limits per model id; `'*'` gives every other model the same limits (each model its own bucket). */
export type LimitTable = Readonly<Record<string, ModelLimits>>;

/** An organisation (OpenAI, Anthropic) or Google Cloud project (Gemini): keys that share limits. */
export interface QuotaOrganization {
  /** The keys of this organisation; every request made with any of them draws on the same limits. */
  readonly keys: readonly string[];
  /** This organisation's limits; default the quota's `limits`. */
  readonly limits?: LimitTable;
}

/** The quota mode of a fake: organisations that hold keys, and their limits per model. */
export interface QuotaOptions {
  /** Organisation (or project) id → its keys and limits. The id appears in OpenAI's 429 message. */
  readonly organizations: Readonly<Record<string, QuotaOrganization>>;
  /** Limits of organisations that name none. */
  readonly limits?: LimitTable;
  /** Length of a "minute" window in ms; tests shorten it. Default 60 000. */
  readonly windowMs?: number;
  /** Length of a "day" window in ms (Gemini's `requestsPerDay`). Default 86 400 000. */
  readonly dayMs?: number;
  /**
   * Output tokens a request counts when it names no maximum (`max_tokens` …). Default 1 024,
   * the figure Keymesh's own estimate assumes, so a pool and the fake agree.
   */
  readonly defaultMaxOutputTokens?: number;
}

export type LimitName = keyof ModelLimits;

const DIMENSIONS_OF: Readonly<Record<ProviderName, readonly LimitName[]>> = {
  openai: ['requestsPerMinute', 'tokensPerMinute'],
  anthropic: ['requestsPerMinute', 'inputTokensPerMinute', 'outputTokensPerMinute'],
  gemini: ['requestsPerMinute', 'tokensPerMinute', 'requestsPerDay'],
  http: [],
};

export interface ResolvedQuota {
  /** key → organisation id. */
  readonly organizationOf: ReadonlyMap<string, string>;
  /** organisation id → its limit table. */
  readonly limitsOf: ReadonlyMap<string, LimitTable>;
  readonly windowMs: number;
  readonly dayMs: number;
  readonly defaultMaxOutputTokens: number;
}

const KNOWN = new Set(['organizations', 'limits', 'windowMs', 'dayMs', 'defaultMaxOutputTokens']);

/** Checks a quota up front, so a misspelt limit fails the test instead of limiting nothing. */
export function resolveQuota(provider: ProviderName, quota: QuotaOptions): ResolvedQuota {
  if (provider === 'http') throw new TypeError("quota: applies to providers 'openai', 'anthropic' and 'gemini' (the limits are theirs), not 'http'");
  if (quota === null || typeof quota !== 'object') throw new TypeError('quota must be an object { organizations, limits?, windowMs?, dayMs? }');
  const unknown = Object.keys(quota).filter((name) => !KNOWN.has(name));
  if (unknown.length > 0) throw new TypeError(`quota: unknown option(s) ${unknown.join(', ')}; known: ${[...KNOWN].join(', ')}`);
  const windowMs = positive(quota.windowMs ?? 60_000, 'quota.windowMs');
  const dayMs = positive(quota.dayMs ?? 86_400_000, 'quota.dayMs');
  const defaultMaxOutputTokens = quota.defaultMaxOutputTokens ?? 1_024;
  if (!(Number.isInteger(defaultMaxOutputTokens) && defaultMaxOutputTokens >= 0)) {
    throw new RangeError(`quota.defaultMaxOutputTokens must be an integer >= 0, got ${defaultMaxOutputTokens}`);
  }
  if (quota.limits !== undefined) validateTable(provider, quota.limits, 'quota.limits');
  const organizations = quota.organizations;
  if (organizations === null || typeof organizations !== 'object' || Object.keys(organizations).length === 0) {
    throw new TypeError("quota.organizations must name at least one organisation, e.g. { 'org-a': { keys: ['sk-test-a'] } }");
  }
  const organizationOf = new Map<string, string>();
  const limitsOf = new Map<string, LimitTable>();
  for (const [id, org] of Object.entries(organizations)) {
    const where = `quota.organizations[${JSON.stringify(id)}]`;
    if (id === '') throw new TypeError('quota.organizations: an organisation id must not be empty');
    if (org === null || typeof org !== 'object' || !Array.isArray(org.keys) || org.keys.length === 0) {
      throw new TypeError(`${where}.keys must be a non-empty list of keys`);
    }
    for (const key of org.keys) {
      if (typeof key !== 'string' || key === '') throw new TypeError(`${where}.keys must contain non-empty strings`);
      const other = organizationOf.get(key);
      if (other !== undefined) throw new TypeError(`${where}: a key belongs to one organisation, and this one is already in ${JSON.stringify(other)}`);
      organizationOf.set(key, id);
    }
    if (org.limits !== undefined) validateTable(provider, org.limits, `${where}.limits`);
    const limits = org.limits ?? quota.limits;
    if (limits === undefined) throw new TypeError(`${where}: no limits; give it \`limits\` or set quota.limits for every organisation`);
    limitsOf.set(id, limits);
  }
  return { organizationOf, limitsOf, windowMs, dayMs, defaultMaxOutputTokens };
}

/** The limits of `model` in a table: its own entry, else `'*'`, else none (not limited). */
export function limitsFor(table: LimitTable, model: string): ModelLimits | undefined {
  return Object.hasOwn(table, model) ? table[model] : table['*'];
}

function validateTable(provider: ProviderName, table: LimitTable, where: string): void {
  if (table === null || typeof table !== 'object') throw new TypeError(`${where} must map model ids (or '*') to limits`);
  const allowed = DIMENSIONS_OF[provider];
  for (const [model, limits] of Object.entries(table)) {
    const at = `${where}[${JSON.stringify(model)}]`;
    if (limits === null || typeof limits !== 'object') throw new TypeError(`${at} must be an object of limits`);
    for (const [name, value] of Object.entries(limits)) {
      if (!allowed.includes(name as LimitName)) {
        throw new TypeError(`${at}.${name}: ${provider} has no such limit; it limits ${allowed.join(', ')}`);
      }
      if (!(Number.isInteger(value) && (value as number) >= 0)) throw new RangeError(`${at}.${name} must be an integer >= 0, got ${String(value)}`);
    }
  }
}

function positive(value: number, where: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${where} must be a positive number of ms, got ${value}`);
  return value;
}
