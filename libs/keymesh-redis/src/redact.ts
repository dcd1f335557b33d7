import type { RedisClient } from './redis-client.js';

const credentialsInUrl = /(rediss?:\/\/)[^@/\s]*@/gi;

/**
 * Removes Redis credentials from text that leaves the store (errors, logs, `store.error`
 * events). Error messages from the client or the OS rarely carry the URL, but one that did
 * would put the password into every log aggregator the service writes to.
 */
export function credentialRedactor(url: string | undefined, client: RedisClient | undefined): (text: string) => string {
  const secrets = new Set<string>();
  const add = (value: string | undefined) => {
    if (value !== undefined && value.length >= 3) secrets.add(value);
  };
  for (const candidate of [url, client?.options?.url]) {
    if (candidate === undefined) continue;
    try {
      const parsed = new URL(candidate);
      add(parsed.password);
      add(safeDecode(parsed.password));
    } catch {
      // Not a URL we can parse: the pattern below still strips `user:pass@`.
    }
  }
  add(client?.options?.password);
  const literals = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(credentialsInUrl, '$1***@');
    for (const secret of literals) out = out.split(secret).join('***');
    return out;
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
