import type { Attributes } from '@opentelemetry/api';

/**
 * Attribute sets built once and reused: `with(base, name, value)` returns the same object for the
 * same arguments, so recording a metric allocates no attribute object per request. Every value
 * passed here comes from a bounded set (outcome kinds, key ids, sources, reasons, bounded models).
 */
export class AttributeCache {
  readonly #sets = new WeakMap<Attributes, Map<string, Map<string, Attributes>>>();

  with(base: Attributes, name: string, value: string): Attributes {
    let byName = this.#sets.get(base);
    if (byName === undefined) this.#sets.set(base, (byName = new Map()));
    let byValue = byName.get(name);
    if (byValue === undefined) byName.set(name, (byValue = new Map()));
    let set = byValue.get(value);
    if (set === undefined) byValue.set(value, (set = { ...base, [name]: value }));
    return set;
  }
}
