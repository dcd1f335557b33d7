import type { Clock, RandomSource } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Classifier } from '../classify/outcome.js';
import type { BreakerOptions } from '../breaker/breaker-state.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/keymesh-error.js';
import { defaultOverload, type OverloadOptions } from '../overload/overload-gate.js';
import { defaultRetryBudget, type RetryBudgetOptions } from '../retry/retry-budget.js';
import type { StateStore } from '../store/state-store.js';
import { isSelectionStrategy, isStrategyName, strategyNames, type SelectionStrategy, type StrategyName } from '../strategies/index.js';
import { checkNumber, type KeySpec } from './key-spec.js';

export interface RetryOptions {
  /** Attempts per request, the first included. Default 5. */
  maxAttempts?: number;
  /** Full-jitter base for provider-trouble retries. Default 200. */
  baseDelayMs?: number;
  /** Cap of one backoff delay. Default 10,000. */
  maxDelayMs?: number;
  /** Time a request may spend retrying and waiting for a key; no sleep or new attempt goes past it. Default 60,000. */
  budgetMs?: number;
  /**
   * Pool-wide cap on provider-trouble retries: at most `ratio` × the requests of the last
   * `windowMs` plus `minPerSecond` a second. Default `{ ratio: 0.2, windowMs: 10_000, minPerSecond: 1 }`;
   * `false` turns it off.
   */
  budget?: Partial<RetryBudgetOptions> | false;
  /** @deprecated Replaced by `budget` (the token bucket is gone): `tokens: false` still turns the budget off. */
  tokens?: false;
}

export interface KeyPoolOptions {
  /** Appears in events, errors and snapshots. Default `'default'`. */
  name?: string;
  keys: readonly KeySpec[];
  /** Default `'least-used'`. */
  strategy?: StrategyName | SelectionStrategy;
  breaker?: Partial<BreakerOptions> & {
    /** How long a process holds the half-open trial before another may take it (matters with a shared store). Default 30,000. */
    trialLeaseMs?: number;
  };
  retry?: RetryOptions;
  /** First cooldown of a key rate limited without a hint; doubles with each consecutive 429, up to `breaker.cooldownMs`. Default 1,000. */
  rateLimitCooldownMs?: number;
  /** How long a key that ran out of quota or credit stays disabled. Default 1 h. */
  quotaCooldownMs?: number;
  /** No hint sidelines a key for longer than this. Default 24 h. */
  maxCooldownMs?: number;
  /** Optional bound on one attempt; an attempt that runs past it is aborted and counts as provider trouble. */
  attemptTimeoutMs?: number;
  /** Replaces the default classifier for thrown errors; return `undefined` to defer to it. */
  classify?: Classifier;
  /** Shared key state; defaults to a private in-memory store. */
  store?: StateStore;
  /** Longest wait for the store's state before serving from local state. Default 1,000. */
  storeLoadTimeoutMs?: number;
  /**
   * Maps a request's model to the scope whose limit it draws on, for models that share one limit
   * (e.g. `(model) => model.startsWith('gpt-4o') ? 'gpt-4o' : model`). Default: the model itself.
   */
  scopeOf?: (model: string) => string;
  /**
   * `'detect'` (default): keys in different groups whose quota readings can only come from one
   * provider bucket are reported (`quota.shared`) and treated as one group from then on.
   * `'declared'`: only the `group` of each key spec counts.
   */
  groups?: 'detect' | 'declared';
  /**
   * When waiting for a key stops being useful: once the oldest waiting request has queued longer
   * than `targetMs` for a whole `intervalMs`, a request that would wait longer than `targetMs` is
   * refused at once with `PoolExhaustedError` (reason `overload`). Default `{ targetMs: 100, intervalMs: 1_000 }`;
   * `false`: requests always wait while a key frees up inside their budget.
   */
  overload?: Partial<OverloadOptions> | false;
  /** Time source, for tests. */
  clock?: Clock;
  /** Random source in [0, 1), for tests. */
  random?: RandomSource;
}

export interface ResolvedOptions {
  name: string;
  strategy: StrategyName | SelectionStrategy;
  breaker: BreakerOptions & { trialLeaseMs: number };
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; budgetMs: number; budget: RetryBudgetOptions | false };
  rateLimitCooldownMs: number;
  quotaCooldownMs: number;
  maxCooldownMs: number;
  attemptTimeoutMs: number | undefined;
  classify: Classifier | undefined;
  store: StateStore | undefined;
  storeLoadTimeoutMs: number;
  overload: OverloadOptions | false;
  scopeOf: ((model: string) => string) | undefined;
  groups: 'detect' | 'declared';
  clock: Clock;
  random: RandomSource;
}

const topLevel = [
  'name', 'keys', 'strategy', 'breaker', 'retry', 'rateLimitCooldownMs', 'quotaCooldownMs', 'maxCooldownMs',
  'attemptTimeoutMs', 'classify', 'store', 'storeLoadTimeoutMs', 'overload', 'scopeOf', 'groups', 'clock', 'random',
];
const breakerNames = ['failureThreshold', 'cooldownMs', 'trialLeaseMs'];
const retryNames = ['maxAttempts', 'baseDelayMs', 'maxDelayMs', 'budgetMs', 'budget', 'tokens'];
const budgetNames = ['ratio', 'windowMs', 'minPerSecond'];
const overloadNames = ['targetMs', 'intervalMs'];

const positive = { min: 0, exclusiveMin: true } as const;
const positiveInteger = { min: 1, integer: true } as const;

/** Validates every option (names included) and fills in the defaults. `extraNames` are options a wrapper consumes itself. */
export function resolveOptions(options: KeyPoolOptions, extraNames: readonly string[] = []): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, 'KeyPool options must be an object with at least `keys`.', '');
  }
  checkNames(options, [...topLevel, ...extraNames], '');
  const breaker = objectOption(options.breaker, 'breaker', breakerNames);
  const retry = objectOption(options.retry, 'retry', retryNames);
  const name = options.name ?? 'default';
  if (typeof name !== 'string' || name.trim() === '') throw new ConfigError(ErrorCodes.INVALID_OPTION, '`name` must be a non-empty string.', 'name');

  const cooldownMs = checkNumber(breaker.cooldownMs, 30_000, 'breaker.cooldownMs', positive);
  const baseDelayMs = checkNumber(retry.baseDelayMs, 200, 'retry.baseDelayMs', positive);
  const maxDelayMs = checkNumber(retry.maxDelayMs, 10_000, 'retry.maxDelayMs', positive);
  if (maxDelayMs < baseDelayMs) {
    throw new ConfigError(ErrorCodes.INVALID_NUMBER, `retry.maxDelayMs (${maxDelayMs}) must be ≥ retry.baseDelayMs (${baseDelayMs}).`, 'retry.maxDelayMs');
  }
  const maxCooldownMs = checkNumber(options.maxCooldownMs, 86_400_000, 'maxCooldownMs', positive);
  return {
    name,
    strategy: resolveStrategy(options.strategy),
    breaker: {
      failureThreshold: checkNumber(breaker.failureThreshold, 3, 'breaker.failureThreshold', positiveInteger),
      cooldownMs,
      trialLeaseMs: checkNumber(breaker.trialLeaseMs, 30_000, 'breaker.trialLeaseMs', positive),
    },
    retry: {
      maxAttempts: checkNumber(retry.maxAttempts, 5, 'retry.maxAttempts', { ...positiveInteger, max: 100 }),
      baseDelayMs,
      maxDelayMs,
      budgetMs: checkNumber(retry.budgetMs, 60_000, 'retry.budgetMs', positive),
      budget: resolveBudget(retry.budget, retry.tokens),
    },
    rateLimitCooldownMs: checkNumber(options.rateLimitCooldownMs, 1_000, 'rateLimitCooldownMs', positive),
    quotaCooldownMs: checkNumber(options.quotaCooldownMs, 3_600_000, 'quotaCooldownMs', positive),
    maxCooldownMs,
    attemptTimeoutMs: options.attemptTimeoutMs === undefined ? undefined : checkNumber(options.attemptTimeoutMs, 0, 'attemptTimeoutMs', positive),
    classify: functionOption(options.classify, 'classify'),
    store: resolveStore(options.store),
    storeLoadTimeoutMs: checkNumber(options.storeLoadTimeoutMs, 1_000, 'storeLoadTimeoutMs', { min: 0 }),
    overload: resolveOverload(options.overload),
    scopeOf: functionOption(options.scopeOf, 'scopeOf'),
    groups: resolveGroups(options.groups),
    clock: resolveClock(options.clock),
    random: functionOption(options.random, 'random') ?? Math.random,
  };
}

function checkNames(object: object, allowed: readonly string[], prefix: string): void {
  for (const name of Object.keys(object)) {
    if ((object as Record<string, unknown>)[name] === undefined || allowed.includes(name)) continue;
    const close = allowed.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    const hint = close ? ` Did you mean \`${close}\`?` : ` Known options: ${allowed.join(', ')}.`;
    throw new ConfigError(ErrorCodes.UNKNOWN_OPTION, `Unknown option \`${prefix}${name}\`.${hint}`, `${prefix}${name}`);
  }
}

function objectOption(value: unknown, path: string, names: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`${path}\` must be an object.`, path);
  }
  checkNames(value, names, `${path}.`);
  return value as Record<string, unknown>;
}

function resolveStrategy(value: unknown): StrategyName | SelectionStrategy {
  if (value === undefined) return 'least-used';
  if (isStrategyName(value) || isSelectionStrategy(value)) return value;
  throw new ConfigError(
    ErrorCodes.UNKNOWN_STRATEGY,
    `Unknown strategy ${JSON.stringify(typeof value === 'string' ? value : typeof value)}. Use one of ${strategyNames.join(', ')}, or an object with add, remove, pick and update.`,
    'strategy',
  );
}

function resolveBudget(value: unknown, tokens: unknown): RetryBudgetOptions | false {
  if (tokens !== undefined && tokens !== false) {
    throw new ConfigError(
      ErrorCodes.INVALID_OPTION,
      '`retry.tokens` (a retry token bucket) was replaced by `retry.budget`: { ratio, windowMs, minPerSecond }, retries as a share of the requests of a sliding window (default 20 % of the last 10 s plus 1 a second). `retry.tokens: false` still turns it off.',
      'retry.tokens',
    );
  }
  if (value === false || tokens === false) return false;
  const budget = objectOption(value, 'retry.budget', budgetNames);
  return {
    ratio: checkNumber(budget.ratio, defaultRetryBudget.ratio, 'retry.budget.ratio', { min: 0 }),
    windowMs: checkNumber(budget.windowMs, defaultRetryBudget.windowMs, 'retry.budget.windowMs', { min: 10 }),
    minPerSecond: checkNumber(budget.minPerSecond, defaultRetryBudget.minPerSecond, 'retry.budget.minPerSecond', { min: 0 }),
  };
}

function resolveOverload(value: unknown): OverloadOptions | false {
  if (value === false) return false;
  const overload = objectOption(value, 'overload', overloadNames);
  const targetMs = checkNumber(overload.targetMs, defaultOverload.targetMs, 'overload.targetMs', positive);
  const intervalMs = checkNumber(overload.intervalMs, defaultOverload.intervalMs, 'overload.intervalMs', { min: 10 });
  if (intervalMs < targetMs) {
    throw new ConfigError(
      ErrorCodes.INVALID_NUMBER,
      `overload.intervalMs (${intervalMs}) must be ≥ overload.targetMs (${targetMs}): a queue stands only once it stayed above the target for a whole interval.`,
      'overload.intervalMs',
    );
  }
  return { targetMs, intervalMs };
}

function resolveStore(value: unknown): StateStore | undefined {
  if (value === undefined) return undefined;
  const store = value as Partial<StateStore>;
  const methods = ['load', 'save', 'subscribe', 'acquireTrial', 'releaseTrial'] as const;
  if (typeof value !== 'object' || value === null || methods.some((m) => typeof store[m] !== 'function')) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`store\` must implement StateStore (${methods.join(', ')}).`, 'store');
  }
  return value as StateStore;
}

function resolveGroups(value: unknown): 'detect' | 'declared' {
  if (value === undefined) return 'detect';
  if (value === 'detect' || value === 'declared') return value;
  throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`groups\` must be 'detect' (find keys sharing a quota) or 'declared' (only each key's \`group\`); got ${JSON.stringify(typeof value === 'string' ? value : typeof value)}.`, 'groups');
}

function resolveClock(value: unknown): Clock {
  if (value === undefined) return systemClock;
  const clock = value as Partial<Clock>;
  if (typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function') {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, '`clock` must have now(), setTimeout() and clearTimeout().', 'clock');
  }
  return value as Clock;
}

function functionOption<F>(value: unknown, path: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigError(ErrorCodes.INVALID_OPTION, `\`${path}\` must be a function.`, path);
  return value as F;
}
