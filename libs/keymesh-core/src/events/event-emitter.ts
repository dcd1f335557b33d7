import type { KeymeshEventName, KeymeshEvents, KeymeshListener } from './pool-events.js';

/**
 * A minimal typed emitter. Callers check `has(name)` before building a payload so an event
 * nobody listens to costs nothing. A listener that throws, or returns a promise that rejects
 * (an `async` listener), is reported once and never breaks the request that emitted the event
 * nor, through an unhandled rejection, the process.
 */
export class EventEmitter {
  readonly #listeners = new Map<KeymeshEventName, Array<(event: never) => void>>();
  /** Listeners over all events: with none (the common case) `has` answers without a Map lookup, once per request. */
  #count = 0;
  #warned = false;

  has(name: KeymeshEventName): boolean {
    return this.#count !== 0 && this.#listeners.has(name);
  }

  on<E extends KeymeshEventName>(name: E, listener: KeymeshListener<E>): void {
    const list = this.#listeners.get(name);
    // Copy-on-write: an emit in progress keeps iterating the array it started with.
    this.#listeners.set(name, list ? [...list, listener] : [listener]);
    this.#count++;
  }

  off<E extends KeymeshEventName>(name: E, listener: KeymeshListener<E>): void {
    const list = this.#listeners.get(name);
    if (!list) return;
    const index = list.indexOf(listener as (event: never) => void);
    if (index < 0) return;
    const rest = list.filter((_, i) => i !== index);
    if (rest.length === 0) this.#listeners.delete(name);
    else this.#listeners.set(name, rest);
    this.#count--;
  }

  emit<E extends KeymeshEventName>(name: E, event: KeymeshEvents[E]): void {
    const list = this.#listeners.get(name);
    if (!list) return;
    for (const listener of list) {
      try {
        const result: unknown = (listener as KeymeshListener<E>)(event);
        // Listeners are typed as returning void, yet an `async` one type-checks and returns a promise.
        if (isThenable(result)) result.then(undefined, (error: unknown) => this.#report(name, error));
      } catch (error) {
        this.#report(name, error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
    this.#count = 0;
  }

  #report(name: KeymeshEventName, error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    const kind = error instanceof Error ? error.name : typeof error;
    process.emitWarning(`A Keymesh "${name}" listener threw or rejected (${kind}); the request went on. Further listener errors are not reported.`, {
      code: 'KEYMESH_LISTENER_ERROR',
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
