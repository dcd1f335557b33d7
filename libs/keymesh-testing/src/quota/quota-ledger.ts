import { FixedWindow, type RateState } from '../rate-window.js';
import type { ProviderName } from '../wire.js';
import { limitsFor, type LimitName, type ModelLimits, type ResolvedQuota } from './quota-options.js';
import type { RequestCost } from './request-cost.js';

/** One limit of a bucket after a request: what the provider's headers and 429s report. */
export interface LimitReading extends RateState {
  readonly name: LimitName;
  /** Units counted in the window (after this request when it was served). */
  readonly used: number;
  /** Units this request asked of the limit. */
  readonly requested: number;
}

/** The verdict on one request that draws on a quota. */
export interface QuotaVerdict {
  readonly organization: string;
  readonly model: string;
  /** Every limit of (organisation, model), in the order of `LIMIT_ORDER`. */
  readonly readings: readonly LimitReading[];
  /** Limits the request did not fit in, the binding one (latest reset) first; empty when served. */
  readonly exceeded: readonly LimitReading[];
  /** True when the request is larger than a whole window of an exceeded limit: waiting cannot help. */
  readonly tooLarge: boolean;
}

const LIMIT_ORDER: readonly LimitName[] = ['requestsPerMinute', 'tokensPerMinute', 'inputTokensPerMinute', 'outputTokensPerMinute', 'requestsPerDay'];

/** How much of each limit a request takes. Gemini's token quota counts input tokens only. */
function amountOf(provider: ProviderName, name: LimitName, cost: RequestCost): number {
  switch (name) {
    case 'requestsPerMinute':
    case 'requestsPerDay':
      return 1;
    case 'tokensPerMinute':
      return provider === 'gemini' ? cost.inputTokens : cost.inputTokens + cost.outputTokens;
    case 'inputTokensPerMinute':
      return cost.inputTokens;
    case 'outputTokensPerMinute':
      return cost.outputTokens;
  }
}

/**
 * The limits of every (organisation, model) that has served a request: one fixed window per
 * limit. A request is counted on all of its limits or on none, so a 429 for tokens never spends
 * a request. Windows follow each other without gaps from `startedAt`, each organisation's
 * shifted by its share of a window (organisation i of n: i/n of it), so organisations do not all
 * reset at one instant, as independent accounts do not.
 */
export class QuotaLedger {
  private readonly buckets = new Map<string, Map<LimitName, FixedWindow>>();
  private readonly phaseOf = new Map<string, number>();

  constructor(
    private readonly provider: ProviderName,
    private readonly quota: ResolvedQuota,
    private startedAt: number,
  ) {
    const organizations = [...quota.limitsOf.keys()];
    organizations.forEach((id, i) => this.phaseOf.set(id, i / organizations.length));
  }

  /** The organisation of `key`, undefined for keys outside the quota (they are not limited). */
  organizationOf(key: string): string | undefined {
    return this.quota.organizationOf.get(key);
  }

  /** Counts a request made by `organization`; undefined when its model has no limits. */
  take(organization: string, cost: RequestCost, now: number): QuotaVerdict | undefined {
    const limits = limitsFor(this.quota.limitsOf.get(organization) ?? {}, cost.model);
    if (limits === undefined) return undefined;
    const windows = this.windowsOf(organization, cost.model, limits);
    const asks = [...windows].map(([name, window]) => ({ name, window, amount: amountOf(this.provider, name, cost) }));
    const misses = asks.filter((a) => !a.window.fits(now, a.amount));
    if (misses.length === 0) for (const a of asks) a.window.add(a.amount);
    const reading = (a: (typeof asks)[number]): LimitReading => ({ name: a.name, ...a.window.state(now), used: a.window.usedAt(now), requested: a.amount });
    const exceeded = misses.map(reading).sort((a, b) => b.resetMs - a.resetMs);
    return {
      organization,
      model: cost.model,
      readings: asks.map(reading),
      exceeded,
      tooLarge: misses.some((a) => a.amount > a.window.limit),
    };
  }

  /** Forgets every window (the fake's `reset()`); windows start again from `now`. */
  clear(now: number): void {
    this.buckets.clear();
    this.startedAt = now;
  }

  private windowsOf(organization: string, model: string, limits: ModelLimits): Map<LimitName, FixedWindow> {
    const id = `${organization}\u0000${model}`;
    let windows = this.buckets.get(id);
    if (!windows) {
      windows = new Map();
      const phase = this.phaseOf.get(organization) ?? 0;
      for (const name of LIMIT_ORDER) {
        const limit = limits[name];
        if (limit === undefined) continue;
        const windowMs = name === 'requestsPerDay' ? this.quota.dayMs : this.quota.windowMs;
        windows.set(name, new FixedWindow(limit, windowMs, this.startedAt + phase * windowMs));
      }
      this.buckets.set(id, windows);
    }
    return windows;
  }
}
