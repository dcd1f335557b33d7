const inspect = Symbol.for('nodejs.util.inspect.custom');

/**
 * The key handed to an attempt. The secret sits in a private field behind a getter, so
 * logging, `JSON.stringify` or `util.inspect` of the key shows only its id.
 */
export class PoolKey {
  readonly id: string;
  readonly #secret: string;

  constructor(id: string, secret: string) {
    this.id = id;
    this.#secret = secret;
  }

  get secret(): string {
    return this.#secret;
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  toString(): string {
    return `PoolKey(${this.id})`;
  }

  [inspect](): string {
    return this.toString();
  }
}
