import { keymeshEventNames, type KeymeshEventName, type KeymeshEvents, type PoolSnapshot } from '@keymesh/core';
import type { Upstream } from '../upstream/upstream.js';
import type { TrafficView } from './traffic-recorder.js';

/** A pool event as the dashboard receives it: the payload (never a secret) and its name. */
export type DashboardEvent = { [E in KeymeshEventName]: KeymeshEvents[E] & { name: E } }[KeymeshEventName];

/** One message of `GET /events`: the events since the last message, and fresh snapshots. */
export interface DashboardUpdate {
  /** Server time (epoch ms), so the page can count down `availableAt` with its own clock. */
  at: number;
  events: DashboardEvent[];
  pools: Record<string, PoolSnapshot>;
  /** All traffic, whoever sent it: totals since start and the per-second timeline of the last minutes. */
  traffic: TrafficView;
  /** First message only: what the page needs once. */
  hello?: {
    mode: Upstream['mode'];
    /** What each fake key is scripted to do, by pool and key id (fake mode). */
    scripts: Record<string, Record<string, string>>;
    /** Recent notable events, so a page opened mid-run has a log at once. */
    recent: DashboardEvent[];
  };
}

/** Events worth a line in the dashboard's log: every pool event but request.*, which only move counters. */
export const NOTABLE_EVENTS: ReadonlySet<KeymeshEventName> = new Set(keymeshEventNames.filter((name) => !name.startsWith('request.')));
