import type { KeyPool, KeymeshEventName, KeymeshListener } from '@keymesh/core';

export type PoolListeners = { [E in KeymeshEventName]?: KeymeshListener<E> };

/** Attaches `listeners` to `pool`; the returned function detaches exactly those. */
export function listen(pool: KeyPool, listeners: PoolListeners): () => void {
  const names = Object.keys(listeners) as KeymeshEventName[];
  for (const name of names) pool.on(name, listeners[name] as KeymeshListener<typeof name>);
  return () => {
    for (const name of names) pool.off(name, listeners[name] as KeymeshListener<typeof name>);
  };
}
