import type { Clock } from '@keymesh/core';

/**
 * A time source for the pool and the fake that moves only when told to, so "rate limited until
 * 400 ms from now" holds until the test says the 400 ms have passed, however slow the machine.
 */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      timers.set(++seq, { at: now + Math.max(0, ms), callback });
      return seq;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort(([, a], [, b]) => a.at - b.at)) {
        if (timer.at > now) break;
        timers.delete(id);
        timer.callback();
      }
    },
  };
}
