/** What an error or a response may carry as headers: a fetch `Headers`, or a plain (Node-style) object. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | number | undefined | null>>
  | null
  | undefined;

/** Reads one header case-insensitively; `name` must be lower case. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(name);
    return value === null || value === undefined ? undefined : String(value);
  }
  const record = headers as Readonly<Record<string, unknown>>;
  let value = record[name];
  if (value === undefined) {
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === name) {
        value = record[key];
        break;
      }
    }
  }
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

/**
 * Reads the headers `keep` selects in one pass, for callers that look up many names: probing
 * about twenty absent names one by one costs microseconds on undici's `Headers`, one pass a
 * fraction of that. Names are lower case; the first value of a repeated header wins.
 */
export function collectHeaders(headers: HeaderSource, keep: (name: string) => boolean): (name: string) => string | undefined {
  if (!headers || typeof headers !== 'object') return () => undefined;
  const kept = new Map<string, string>();
  const take = (value: unknown, name: string) => {
    const lower = name.toLowerCase();
    if (keep(lower) && !kept.has(lower) && value !== undefined && value !== null) kept.set(lower, Array.isArray(value) ? String(value[0]) : String(value));
  };
  if (headers instanceof Headers) {
    // A fetch `Headers` hands names over lower-cased, repeated ones already joined: no conversion per name.
    headers.forEach((value, name) => {
      if (keep(name)) kept.set(name, value);
    });
  } else if (typeof (headers as { forEach?: unknown }).forEach === 'function' && typeof (headers as { get?: unknown }).get === 'function') {
    (headers as unknown as { forEach(callback: (value: string, name: string) => void): void }).forEach(take);
  } else if (typeof (headers as { get?: unknown }).get === 'function') {
    // Only `get` to go by: look the names up as they are asked for.
    return (name) => readHeader(headers, name);
  } else {
    for (const [name, value] of Object.entries(headers)) take(value, name);
  }
  return (name) => kept.get(name);
}
