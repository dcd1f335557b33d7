import type { IncomingHttpHeaders } from 'node:http';
import type { BehaviourKind } from './behaviour.js';
import type { CredentialSource } from './wire.js';

/** One request as the fake saw it. Credentials appear only in `key`, never in `headers` or `query`. */
export interface RecordedRequest {
  /** The credential the fake used (the first one found), or undefined when none was sent. */
  readonly key: string | undefined;
  /**
   * How many credentials arrived. More than one is a client bug worth asserting against, e.g.
   * anthropic 1.x sending both `Authorization` and `X-Api-Key`.
   */
  readonly keyCount: number;
  readonly method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Query parameters, without a credential parameter (`key` for gemini). */
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased request headers without any credential header. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  readonly body: unknown;
  /** Whether the request asked for an event stream. */
  readonly stream: boolean;
  /** `x-stainless-retry-count` (sent by the openai and anthropic SDKs): 0 on a first attempt. */
  readonly retryCount: number | undefined;
  /** Arrival time on the fake's clock (epoch ms). */
  readonly at: number;
  /** The behaviour the fake applied; undefined when no credential was sent (missing-key answer). */
  readonly behaviour: BehaviourKind | undefined;
  /** The status the fake answered with; undefined until headers are sent, and for `reset`. */
  readonly status: number | undefined;
}

export type MutableRecordedRequest = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

/** Stripped whatever the provider, so a client sending the wrong provider's header cannot leak a key into a recording. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key', 'api-key'];

/** Every credential in the request, in the provider's order of preference. */
export function findCredentials(sources: readonly CredentialSource[], headers: IncomingHttpHeaders, query: URLSearchParams): string[] {
  const keys: string[] = [];
  for (const source of sources) {
    if ('query' in source) {
      keys.push(...query.getAll(source.query));
      continue;
    }
    const raw = headers[source.header];
    for (const value of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      const bearer = source.scheme === 'bearer' ? /^bearer\s*(.*)$/i.exec(value.trim()) : null;
      keys.push(bearer ? bearer[1].trim() : value.trim());
    }
  }
  return keys;
}

/** Removes credential query parameters in place, so neither routes nor recordings see them. */
export function stripCredentialQuery(sources: readonly CredentialSource[], query: URLSearchParams): void {
  for (const source of sources) if ('query' in source) query.delete(source.query);
}

export function recordableHeaders(sources: readonly CredentialSource[], headers: IncomingHttpHeaders): Record<string, string> {
  const hidden = new Set(CREDENTIAL_HEADERS);
  for (const source of sources) if ('header' in source) hidden.add(source.header);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hidden.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function retryCountOf(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['x-stainless-retry-count'];
  const n = typeof value === 'string' ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** JSON when it parses (whatever the content type: some clients omit it), else the text. */
export function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
