import type { Behaviour } from './behaviour.js';
import { FixedWindow, type RateState } from './rate-window.js';

/** What the fake decided to do with one request. */
export interface Decision {
  readonly behaviour: Behaviour;
  /** The key's rate-limit window after this request (nominal for keys without a `rate_limit`). */
  readonly rate: RateState;
  /** True when a `rate_limit` behaviour rejected the request. */
  readonly limited: boolean;
}

/**
 * Keys that are not rate limited still report rate-limit headers on success, from a generous
 * nominal window, so header-driven code (a `headroom` strategy) sees realistic values.
 */
const NOMINAL_LIMIT = 10_000;
const NOMINAL_WINDOW_MS = 60_000;

interface KeyState {
  readonly script: readonly Behaviour[];
  position: number;
  /** One window per script entry, so a rate_limit entry keeps counting while it repeats. */
  readonly windows: Map<number, FixedWindow>;
}

/** Per-key scripts and the state they accumulate (script position, rate windows). */
export class KeyTable {
  private readonly states = new Map<string, KeyState>();

  constructor(
    private readonly scripts: Map<string, readonly Behaviour[]>,
    private readonly unknownKeyScript: readonly Behaviour[],
  ) {}

  has(key: string): boolean {
    return this.scripts.has(key);
  }

  /** The configured keys, in the order they were given. */
  keys(): string[] {
    return [...this.scripts.keys()];
  }

  /** Replaces a key's script and forgets its position and windows. */
  set(key: string, script: readonly Behaviour[]): void {
    this.scripts.set(key, script);
    this.states.delete(key);
  }

  /** Forgets every position and window; scripts stay. */
  clear(): void {
    this.states.clear();
  }

  decide(key: string, now: number): Decision {
    let state = this.states.get(key);
    if (!state) {
      // Each unknown key gets its own copy of the unknown-key script, like a configured key.
      state = { script: this.scripts.get(key) ?? this.unknownKeyScript, position: 0, windows: new Map() };
      this.states.set(key, state);
    }
    const index = Math.min(state.position, state.script.length - 1);
    state.position += 1;
    const behaviour = state.script[index];
    let window = state.windows.get(index);
    if (!window) {
      window =
        behaviour.kind === 'rate_limit'
          ? new FixedWindow(behaviour.limit, behaviour.windowMs)
          : new FixedWindow(NOMINAL_LIMIT, NOMINAL_WINDOW_MS);
      state.windows.set(index, window);
    }
    const { allowed, ...rate } = window.take(now);
    return { behaviour, rate, limited: behaviour.kind === 'rate_limit' && !allowed };
  }
}
