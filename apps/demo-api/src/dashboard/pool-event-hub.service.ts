import { keymeshEventNames, type KeymeshEventName } from '@keymesh/core';
import { KEYMESH_EVENT_PREFIX, KeymeshService } from '@keymesh/nestjs';
import { Inject, Injectable, type MessageEvent, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Observable, Subject, bufferTime, concat, defer, filter, interval, map, merge, of, takeUntil } from 'rxjs';
import { UPSTREAM, type Upstream } from '../upstream/upstream.js';
import { NOTABLE_EVENTS, type DashboardEvent, type DashboardUpdate } from './dashboard-update.js';
import { TrafficRecorder } from './traffic-recorder.js';

/** How long events gather before one message goes out: smooth under load, still instant to the eye. */
const BATCH_MS = 100;
/** A message at least this often, so countdowns resync and proxies keep the stream open. */
const HEARTBEAT_MS = 1_000;
const RECENT = 50;

/**
 * Listens to every pool event (as re-emitted by @keymesh/nestjs on EventEmitter2) and serves
 * them to dashboards as a stream of `DashboardUpdate`s, each with fresh snapshots.
 */
@Injectable()
export class PoolEventHub implements OnModuleInit, OnModuleDestroy {
  private readonly events$ = new Subject<DashboardEvent>();
  /** Ends every open stream at shutdown, so an open dashboard never holds the server up. */
  private readonly closing$ = new Subject<void>();
  private readonly recent: DashboardEvent[] = [];
  private readonly listeners: Array<[string, (payload: object) => void]> = [];
  private readonly traffic = new TrafficRecorder();

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly keymesh: KeymeshService,
    @Inject(UPSTREAM) private readonly upstream: Upstream,
  ) {}

  onModuleInit(): void {
    this.traffic.track(this.keymesh.names);
    for (const name of keymeshEventNames) {
      const listener = (payload: object) => this.publish({ ...payload, name } as DashboardEvent);
      this.emitter.on(KEYMESH_EVENT_PREFIX + name, listener);
      this.listeners.push([KEYMESH_EVENT_PREFIX + name, listener]);
    }
  }

  onModuleDestroy(): void {
    for (const [event, listener] of this.listeners.splice(0)) this.emitter.off(event, listener);
    this.closing$.next();
    this.closing$.complete();
    this.events$.complete();
  }

  /** The messages of one `GET /events` connection: a hello with everything, then batches and heartbeats. */
  updates(): Observable<MessageEvent> {
    return defer(() => {
      const batches = this.events$.pipe(
        bufferTime(BATCH_MS),
        filter((events) => events.length > 0),
      );
      const heartbeats = interval(HEARTBEAT_MS).pipe(map(() => [] as DashboardEvent[]));
      return concat(of(this.update([], true)), merge(batches, heartbeats).pipe(map((events) => this.update(events, false))));
    }).pipe(
      takeUntil(this.closing$),
      map((data) => ({ data })),
    );
  }

  private publish(event: DashboardEvent): void {
    this.traffic.record(event);
    if (NOTABLE_EVENTS.has(event.name as KeymeshEventName)) {
      this.recent.push(event);
      if (this.recent.length > RECENT) this.recent.shift();
    }
    this.events$.next(event);
  }

  private update(events: DashboardEvent[], hello: boolean): DashboardUpdate {
    // request.* events only move counters, which `traffic` and the snapshots already carry: the page gets the notable ones.
    const notable = events.filter((event) => NOTABLE_EVENTS.has(event.name as KeymeshEventName));
    const update: DashboardUpdate = { at: Date.now(), events: notable, pools: this.keymesh.snapshot(), traffic: this.traffic.view() };
    if (hello) {
      const scripts = Object.fromEntries(this.upstream.providers.map((p) => [p.name, p.scripts ?? {}]));
      update.hello = { mode: this.upstream.mode, scripts, recent: [...this.recent] };
    }
    return update;
  }
}
