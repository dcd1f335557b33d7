import type { RouteResult, WireResponse } from '../wire.js';

/** Reads a request body as an object; anything else reads as empty, so routes can validate fields. */
export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function json(response: WireResponse): RouteResult {
  return { type: 'json', response };
}

/** Deterministic small vectors, so tests can compare embeddings across keys and providers. */
export function embed(text: string): number[] {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Array.from({ length: 8 }, (_, i) => ((((h >>> (i * 4)) & 0xff) / 255) * 2 - 1) / (i + 1));
}
