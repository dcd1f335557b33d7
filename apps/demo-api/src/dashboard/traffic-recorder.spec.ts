import { describe, expect, it } from 'vitest';
import type { DashboardEvent } from './dashboard-update.js';
import { TIMELINE_SECONDS, TrafficRecorder } from './traffic-recorder.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const ev = (name: string, at: number, extra: object = {}) => ({ name, pool: 'openai', at, ...extra }) as unknown as DashboardEvent;

describe('TrafficRecorder', () => {
  it('totals what callers saw and what the pool absorbed, and buckets it per second', () => {
    let now = T0;
    const recorder = new TrafficRecorder(() => now);
    recorder.record(ev('request.succeeded', T0 + 100));
    recorder.record(ev('key.rate_limited', T0 + 200, { source: 'hint' }));
    recorder.record(ev('key.rate_limited', T0 + 250, { source: 'headers' })); // a remaining-0 reading, not a 429
    recorder.record(ev('key.rotated', T0 + 300));
    recorder.record(ev('request.succeeded', T0 + 1_100));
    recorder.record(ev('request.failed', T0 + 1_200));
    recorder.record(ev('pool.exhausted', T0 + 1_200));
    recorder.record(ev('request.retried', T0 + 1_300));
    now = T0 + 1_500;
    const { totals, timeline } = recorder.view();
    expect(totals.openai).toEqual({ requests: 3, succeeded: 2, failed: 1, upstream429: 1, rotations: 1, retries: 1, refusals: 1 });
    expect(timeline.endsAt).toBe(T0 + 1_000);
    const series = timeline.pools.openai!;
    expect(series.requests).toHaveLength(TIMELINE_SECONDS);
    expect(series.requests.slice(-2)).toEqual([1, 2]);
    expect(series.upstream429.slice(-2)).toEqual([1, 0]);
    expect(series.rotations.slice(-2)).toEqual([1, 0]);
    expect(series.refusals.slice(-2)).toEqual([0, 1]);
  });

  it('moves the window with time: quiet seconds are zeros, seconds older than the window are gone', () => {
    let now = T0;
    const recorder = new TrafficRecorder(() => now);
    recorder.record(ev('request.succeeded', T0));
    now = T0 + 5_000;
    expect(recorder.view().timeline.pools.openai!.requests.slice(-6)).toEqual([1, 0, 0, 0, 0, 0]);
    now = T0 + TIMELINE_SECONDS * 1_000;
    const late = recorder.view();
    expect(late.timeline.pools.openai!.requests.every((n) => n === 0)).toBe(true);
    expect(late.totals.openai!.requests).toBe(1);
  });

  it('lists tracked pools before any traffic', () => {
    const recorder = new TrafficRecorder(() => T0);
    recorder.track(['openai', 'gemini']);
    expect(Object.keys(recorder.view().totals)).toEqual(['openai', 'gemini']);
  });
});
