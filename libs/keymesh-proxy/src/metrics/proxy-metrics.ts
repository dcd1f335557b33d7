import type { KeyPool } from '@keymesh/core';

type Labels = Record<string, string>;

/** A counter family keyed by its label values. Label values come from a closed set (provider names, outcome kinds, status classes). */
class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels): void {
    const id = JSON.stringify(labels);
    const entry = this.#values.get(id);
    if (entry) entry.value++;
    else this.#values.set(id, { labels, value: 1 });
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.#values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines;
  }
}

/**
 * What `/metrics` serves, in the Prometheus text format: the proxy's own HTTP counters, each
 * pool's counters from its events, and gauges read from the pools' snapshots at scrape time.
 * Key ids are the user's ids or digests; no secret, no request content, no upstream text.
 */
export class ProxyMetrics {
  readonly #http = new Counter('keymesh_proxy_http_requests_total', 'Requests answered by the proxy, by route and status class.');
  readonly #requests = new Counter('keymesh_requests_total', 'Requests through a pool, by provider and result.');
  readonly #rotations = new Counter('keymesh_rotations_total', 'Requests moved to another key, by provider and reason.');
  readonly #rateLimits = new Counter('keymesh_rate_limited_total', 'Rate-limit answers and readings that sidelined a limit, by provider.');
  readonly #exhausted = new Counter('keymesh_pool_exhausted_total', 'Requests refused because no key could serve, by provider.');
  readonly #pools = new Map<string, KeyPool>();

  watch(provider: string, pool: KeyPool): void {
    this.#pools.set(provider, pool);
    pool.on('request.succeeded', () => this.#requests.inc({ provider, result: 'succeeded' }));
    pool.on('request.failed', (e) => this.#requests.inc({ provider, result: e.kind }));
    pool.on('key.rotated', (e) => this.#rotations.inc({ provider, reason: e.reason }));
    pool.on('key.rate_limited', () => this.#rateLimits.inc({ provider }));
    pool.on('pool.exhausted', () => this.#exhausted.inc({ provider }));
  }

  answered(route: string, status: number): void {
    this.#http.inc({ route, status: `${Math.floor(status / 100)}xx` });
  }

  render(): string {
    const lines = [...this.#http.render(), ...this.#requests.render(), ...this.#rotations.render(), ...this.#rateLimits.render(), ...this.#exhausted.render()];
    lines.push('# HELP keymesh_keys Keys of a pool by state.', '# TYPE keymesh_keys gauge');
    const available: string[] = ['# HELP keymesh_key_available 1 while a key can serve now.', '# TYPE keymesh_key_available gauge'];
    const inFlight: string[] = ['# HELP keymesh_key_in_flight Requests a key is serving now.', '# TYPE keymesh_key_in_flight gauge'];
    for (const [provider, pool] of this.#pools) {
      const snapshot = pool.snapshot();
      const states = new Map<string, number>();
      for (const key of snapshot.keys) {
        states.set(key.state, (states.get(key.state) ?? 0) + 1);
        available.push(`keymesh_key_available${labelText({ provider, key: key.id })} ${key.available ? 1 : 0}`);
        inFlight.push(`keymesh_key_in_flight${labelText({ provider, key: key.id })} ${key.inFlight}`);
      }
      for (const state of ['closed', 'open', 'half_open', 'disabled']) lines.push(`keymesh_keys${labelText({ provider, state })} ${states.get(state) ?? 0}`);
    }
    return [...lines, ...available, ...inFlight, ''].join('\n');
  }
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
