/**
 * Per-request headers for an SDK call with the pooled credential added. SDK header builders
 * merge per-request headers last, so this replaces the client's own credential. Any case variant
 * of the credential's names is dropped first (two spellings in one object would be joined into
 * one header value), and a `null` value removes a client-level header, as Stainless SDKs read it.
 */
export function withCredential(headers: unknown, credential: Readonly<Record<string, string | null>>): Record<string, unknown> {
  // Most calls carry no per-request headers: the credential object (made for this attempt) is the whole set.
  if (headers === undefined || headers === null || typeof headers !== 'object') return { ...credential };
  const replaced = Object.keys(credential).map((name) => name.toLowerCase());
  const merged: Record<string, unknown> = {};
  for (const [name, value] of entriesOf(headers)) {
    if (!replaced.includes(name.toLowerCase())) merged[name] = value;
  }
  return Object.assign(merged, credential);
}

function entriesOf(headers: unknown): Iterable<[string, unknown]> {
  if (headers === undefined || headers === null) return [];
  if (typeof headers !== 'object') return [];
  // A Stainless "nullable headers" object: values to send and names to remove.
  const nullable = headers as { values?: unknown; nulls?: unknown };
  if (nullable.values instanceof Headers && nullable.nulls instanceof Set) {
    return [...nullable.values.entries(), ...[...nullable.nulls].map((name) => [String(name), null] as [string, unknown])];
  }
  if (typeof (headers as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
    return [...(headers as Iterable<[string, unknown]>)];
  }
  return Object.entries(headers as Record<string, unknown>);
}
