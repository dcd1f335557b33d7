import type { KeymeshEvents } from '@keymesh/core';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { KeymeshService } from '@keymesh/nestjs';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.registry.js';

/**
 * Counters fed by the pool events that @keymesh/nestjs re-emits on EventEmitter2 as
 * `keymesh.<event>`. Keys are labelled by id: events never carry a secret, so neither can a
 * label.
 */
@Injectable()
export class PoolEventMetrics implements OnModuleInit {
  private readonly requests: Counter<'pool' | 'result'>;
  private readonly failures: Counter<'pool' | 'kind'>;
  private readonly duration: Histogram<'pool'>;
  private readonly rotations: Counter<'pool' | 'from_key' | 'reason'>;
  private readonly retries: Counter<'pool' | 'kind'>;
  private readonly rateLimited: Counter<'pool' | 'key' | 'source'>;
  private readonly disabled: Counter<'pool' | 'key' | 'reason'>;
  private readonly circuit: Counter<'pool' | 'key' | 'to'>;
  private readonly exhausted: Counter<'pool'>;

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly keymesh: KeymeshService,
  ) {
    const registers = [registry];
    this.requests = new Counter({ name: 'keymesh_requests_total', help: 'Requests through a pool, by final result (each may have taken several attempts).', labelNames: ['pool', 'result'], registers });
    this.failures = new Counter({ name: 'keymesh_request_failures_total', help: 'Requests that failed, by what ended them: the last outcome, pool_exhausted, aborted or closed.', labelNames: ['pool', 'kind'], registers });
    this.duration = new Histogram({
      name: 'keymesh_request_duration_seconds',
      help: 'Duration of successful requests, retries and rotations included.',
      labelNames: ['pool'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.rotations = new Counter({ name: 'keymesh_key_rotations_total', help: 'Requests moved to another key after a key-scoped failure, by the key left and why.', labelNames: ['pool', 'from_key', 'reason'], registers });
    this.retries = new Counter({ name: 'keymesh_retries_total', help: 'Attempts retried, by the outcome that caused the retry.', labelNames: ['pool', 'kind'], registers });
    this.rateLimited = new Counter({ name: 'keymesh_key_rate_limited_total', help: 'Times a key was sidelined for a rate limit: a 429 (hint or default cooldown) or rate-limit headers at zero.', labelNames: ['pool', 'key', 'source'], registers });
    this.disabled = new Counter({ name: 'keymesh_key_disabled_total', help: 'Times a key was disabled: rejected, out of quota, or by hand.', labelNames: ['pool', 'key', 'reason'], registers });
    this.circuit = new Counter({ name: 'keymesh_circuit_transitions_total', help: 'Breaker transitions per key.', labelNames: ['pool', 'key', 'to'], registers });
    this.exhausted = new Counter({ name: 'keymesh_pool_exhausted_total', help: 'Requests refused because no key could serve within the budget (503 to the caller).', labelNames: ['pool'], registers });
  }

  /** Every pool shows from the first scrape, at zero, so rates work before the first failure. */
  onModuleInit(): void {
    for (const pool of this.keymesh.names) {
      this.requests.inc({ pool, result: 'success' }, 0);
      this.requests.inc({ pool, result: 'failure' }, 0);
      this.exhausted.inc({ pool }, 0);
    }
  }

  @OnEvent('keymesh.request.succeeded')
  succeeded(e: KeymeshEvents['request.succeeded']): void {
    this.requests.inc({ pool: e.pool, result: 'success' });
    this.duration.observe({ pool: e.pool }, e.durationMs / 1_000);
  }

  @OnEvent('keymesh.request.failed')
  failed(e: KeymeshEvents['request.failed']): void {
    this.requests.inc({ pool: e.pool, result: 'failure' });
    this.failures.inc({ pool: e.pool, kind: e.kind });
  }

  @OnEvent('keymesh.key.rotated')
  rotated(e: KeymeshEvents['key.rotated']): void {
    this.rotations.inc({ pool: e.pool, from_key: e.fromKeyId, reason: e.reason });
  }

  @OnEvent('keymesh.request.retried')
  retried(e: KeymeshEvents['request.retried']): void {
    this.retries.inc({ pool: e.pool, kind: e.kind });
  }

  @OnEvent('keymesh.key.rate_limited')
  keyRateLimited(e: KeymeshEvents['key.rate_limited']): void {
    this.rateLimited.inc({ pool: e.pool, key: e.keyId, source: e.source });
  }

  @OnEvent('keymesh.key.disabled')
  keyDisabled(e: KeymeshEvents['key.disabled']): void {
    this.disabled.inc({ pool: e.pool, key: e.keyId, reason: e.reason });
  }

  @OnEvent('keymesh.circuit.opened')
  circuitOpened(e: KeymeshEvents['circuit.opened']): void {
    this.circuit.inc({ pool: e.pool, key: e.keyId, to: 'open' });
  }

  @OnEvent('keymesh.circuit.half_opened')
  circuitHalfOpened(e: KeymeshEvents['circuit.half_opened']): void {
    this.circuit.inc({ pool: e.pool, key: e.keyId, to: 'half_open' });
  }

  @OnEvent('keymesh.circuit.closed')
  circuitClosed(e: KeymeshEvents['circuit.closed']): void {
    this.circuit.inc({ pool: e.pool, key: e.keyId, to: 'closed' });
  }

  @OnEvent('keymesh.pool.exhausted')
  poolExhausted(e: KeymeshEvents['pool.exhausted']): void {
    this.exhausted.inc({ pool: e.pool });
  }
}
