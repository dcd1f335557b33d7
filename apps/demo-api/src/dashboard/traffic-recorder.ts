import type { DashboardEvent } from './dashboard-update.js';

/** Seconds of history the timeline keeps: a few minutes, per pool. */
export const TIMELINE_SECONDS = 180;

/** All traffic of one pool since the demo started: what callers saw, and what Keymesh absorbed. */
export interface TrafficTotals {
  /** Requests that ended (answered or failed), whoever sent them: the page, `demo:load`, curl. */
  requests: number;
  succeeded: number;
  failed: number;
  /** 429 answers the provider gave (each moved the request to another key or made it wait). */
  upstream429: number;
  rotations: number;
  retries: number;
  /** Requests the pool refused because no key could serve (`pool.exhausted`). */
  refusals: number;
}

/** Per second, oldest first; the last entry is the second in progress. */
export interface TrafficSeries {
  requests: number[];
  upstream429: number[];
  rotations: number[];
  refusals: number[];
}

export interface TrafficView {
  totals: Record<string, TrafficTotals>;
  /** `endsAt`: epoch ms at which the last second began. */
  timeline: { endsAt: number; seconds: number; pools: Record<string, TrafficSeries> };
}

const SERIES = ['requests', 'upstream429', 'rotations', 'refusals'] as const;
type SeriesName = (typeof SERIES)[number];

/** One pool's counters and per-second ring. */
class PoolTraffic {
  readonly totals: TrafficTotals = { requests: 0, succeeded: 0, failed: 0, upstream429: 0, rotations: 0, retries: 0, refusals: 0 };
  private readonly rings: Record<SeriesName, number[]> = { requests: [], upstream429: [], rotations: [], refusals: [] };
  /** The second (epoch s) the newest bucket counts. */
  private head: number;

  constructor(second: number) {
    this.head = second;
    for (const name of SERIES) this.rings[name] = new Array<number>(TIMELINE_SECONDS).fill(0);
  }

  count(series: SeriesName | undefined, second: number): void {
    this.advance(second);
    // An event stamped a little in the past (batched) lands in its own second while it is still shown.
    if (series === undefined || second <= this.head - TIMELINE_SECONDS) return;
    this.rings[series][second % TIMELINE_SECONDS]!++;
  }

  /** Zeroes the buckets of the seconds that passed since the newest one. */
  advance(second: number): void {
    if (second <= this.head) return;
    for (let s = Math.max(this.head + 1, second - TIMELINE_SECONDS + 1); s <= second; s++) {
      for (const name of SERIES) this.rings[name][s % TIMELINE_SECONDS] = 0;
    }
    this.head = second;
  }

  series(): TrafficSeries {
    const ordered = (ring: number[]) => Array.from({ length: TIMELINE_SECONDS }, (_, i) => ring[(this.head - TIMELINE_SECONDS + 1 + i + TIMELINE_SECONDS * 2) % TIMELINE_SECONDS]!);
    return { requests: ordered(this.rings.requests), upstream429: ordered(this.rings.upstream429), rotations: ordered(this.rings.rotations), refusals: ordered(this.rings.refusals) };
  }
}

/**
 * Counts every pool event the demo sees, so the dashboard shows all traffic, not only what its
 * own buttons sent: totals since start and a per-second timeline of the last few minutes.
 * O(1) per event; the timeline is read once per dashboard message.
 */
export class TrafficRecorder {
  private readonly pools = new Map<string, PoolTraffic>();

  constructor(private readonly now: () => number = Date.now) {}

  record(event: DashboardEvent): void {
    const second = Math.floor(event.at / 1_000);
    const pool = this.poolOf(event.pool, second);
    const { totals } = pool;
    switch (event.name) {
      case 'request.succeeded':
        totals.requests++;
        totals.succeeded++;
        return pool.count('requests', second);
      case 'request.failed':
        totals.requests++;
        totals.failed++;
        return pool.count('requests', second);
      case 'key.rate_limited':
        // `headers`: a success said remaining 0 (no 429); `fleet_limit`: the shared store's limit.
        if (event.source !== 'hint' && event.source !== 'default') return;
        totals.upstream429++;
        return pool.count('upstream429', second);
      case 'key.rotated':
        totals.rotations++;
        return pool.count('rotations', second);
      case 'request.retried':
        totals.retries++;
        return;
      case 'pool.exhausted':
        totals.refusals++;
        return pool.count('refusals', second);
      default:
        return;
    }
  }

  view(): TrafficView {
    const second = Math.floor(this.now() / 1_000);
    const totals: Record<string, TrafficTotals> = {};
    const pools: Record<string, TrafficSeries> = {};
    for (const [name, pool] of this.pools) {
      pool.advance(second);
      totals[name] = { ...pool.totals };
      pools[name] = pool.series();
    }
    return { totals, timeline: { endsAt: second * 1_000, seconds: TIMELINE_SECONDS, pools } };
  }

  /** Pools appear on their first event; `names` makes them appear with zeros before any traffic. */
  track(names: Iterable<string>): void {
    for (const name of names) this.poolOf(name, Math.floor(this.now() / 1_000));
  }

  private poolOf(name: string, second: number): PoolTraffic {
    let pool = this.pools.get(name);
    if (!pool) this.pools.set(name, (pool = new PoolTraffic(second)));
    return pool;
  }
}
