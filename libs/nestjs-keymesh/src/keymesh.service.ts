import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigError, ErrorCodes, healthReport, type HealthReport, type KeyPool, type KeymeshClients, type KeySpec, type PoolSnapshot } from '@keymesh/core';
import { KEYMESH_CLIENTS } from './keymesh.constants.js';

/** Every pool of the module: access, snapshots, health, key management at run time. */
@Injectable()
export class KeymeshService implements OnApplicationShutdown {
  constructor(@Inject(KEYMESH_CLIENTS) private readonly group: KeymeshClients) {}

  /** Names of the configured clients. */
  get names(): string[] {
    return Object.keys(this.group.clients);
  }

  /** Every pool by client name, e.g. for `instrumentKeymesh(keymesh)` from @keymesh/opentelemetry. */
  get pools(): Readonly<Record<string, KeyPool>> {
    return this.group.pools as Readonly<Record<string, KeyPool>>;
  }

  /** The wrapped client named `name`, typed as you say: `keymesh.client<OpenAI>('openai')`. */
  client<T = unknown>(name: string): T {
    this.pool(name);
    return this.group.clients[name] as T;
  }

  pool(name: string): KeyPool {
    const pool = (this.group.pools as Record<string, KeyPool>)[name];
    if (pool === undefined) {
      throw new ConfigError(ErrorCodes.UNKNOWN_KEY, `Keymesh has no client named ${JSON.stringify(name)}; configured: ${this.names.join(', ')}.`, 'name');
    }
    return pool;
  }

  snapshot(): Record<string, PoolSnapshot> {
    return Object.fromEntries(this.names.map((name) => [name, this.pool(name).snapshot()]));
  }

  /** The body of the health endpoint and indicator. */
  health(): HealthReport {
    return healthReport(this.group.pools as Record<string, KeyPool>);
  }

  addKey(name: string, key: KeySpec): string {
    return this.pool(name).addKey(key);
  }
  removeKey(name: string, keyId: string): void {
    this.pool(name).removeKey(keyId);
  }
  disableKey(name: string, keyId: string): void {
    this.pool(name).disableKey(keyId);
  }
  enableKey(name: string, keyId: string): void {
    this.pool(name).enableKey(keyId);
  }

  /** Pools close with the application, so no timer or socket outlives it. */
  async onApplicationShutdown(): Promise<void> {
    await this.group.close();
  }
}
