import type { KeymeshAdapter } from './adapter.js';

const adapters: KeymeshAdapter<never, unknown>[] = [];

/** SDK adapters register here so `createKeymesh` can recognise their clients without importing any SDK. */
export function registerAdapter(adapter: KeymeshAdapter<never, unknown>): void {
  if (!adapters.some((known) => known.name === adapter.name)) adapters.push(adapter);
}

export function builtInAdapters(): readonly KeymeshAdapter<never, unknown>[] {
  return adapters;
}
