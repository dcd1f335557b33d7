import { maskSecret } from '../pool/key-spec.js';

/**
 * Upstream text Keymesh keeps may hold the key the request carried: providers echo it back
 * ("Incorrect API key provided: sk-…"). These replace every occurrence of a secret with its
 * masked hint (`sk-…9f3a`), so no error Keymesh throws or builds can print it, `util.inspect`
 * included (the stack repeats the message). Only failure paths pay for this.
 */
export function redactText(text: string, secret: string): string {
  return secret !== '' && text.includes(secret) ? text.split(secret).join(maskSecret(secret)) : text;
}

/**
 * Redacts `secret` in place from an error's own fields — message, stack and whatever the SDK
 * keeps of the body (openai `error`, anthropic `error` and `apiMessage`, Keymesh's `body` and
 * `event`) — and from its causes.
 */
export function redactError(error: unknown, secret: string, depth = 0): void {
  if (typeof error !== 'object' || error === null || secret === '' || depth > 4) return;
  for (const field of Object.getOwnPropertyNames(error)) {
    const value: unknown = (error as Record<string, unknown>)[field];
    if (field === 'cause') {
      if (value !== error) redactError(value, secret, depth + 1);
      continue;
    }
    const redacted = redactValue(value, secret);
    if (redacted === value) continue;
    try {
      Object.defineProperty(error, field, { value: redacted, writable: true, configurable: true, enumerable: Object.prototype.propertyIsEnumerable.call(error, field) });
    } catch {
      // A frozen or non-configurable field: nothing Keymesh can change.
    }
  }
}

/** A copy of `value` with `secret` masked in every string; the same object when nothing changed. */
export function redactValue(value: unknown, secret: string, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secret);
  if (typeof value !== 'object' || value === null || depth > 8) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const copy = value.map((item) => {
      const next = redactValue(item, secret, depth + 1);
      changed ||= next !== item;
      return next;
    });
    return changed ? copy : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const next = redactValue(item, secret, depth + 1);
    if (next !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return copy ?? value;
}
