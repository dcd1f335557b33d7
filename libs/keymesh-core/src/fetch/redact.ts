/** Stands in for a secret in upstream text Keymesh keeps or passes on. */
export const redactedSecret = '[redacted]';

/**
 * `text` with every occurrence of each secret replaced: providers echo keys back in error
 * messages, and a framework may log or show the body it gets.
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== '' && out.includes(secret)) out = out.split(secret).join(redactedSecret);
  }
  return out;
}
