import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { keymeshEventNames, type KeyPool, type KeymeshClients } from '@keymesh/core';
import { KEYMESH_CLIENTS, KEYMESH_EVENT_PREFIX } from './keymesh.constants.js';
import { MODULE_OPTIONS_TOKEN } from './keymesh-module.definition.js';
import type { KeymeshModuleOptions } from './keymesh-options.interface.js';

interface Emitter {
  emit(event: string, payload: unknown): unknown;
}

/**
 * Re-emits every pool event on EventEmitter2 as `keymesh.<event>` when @nestjs/event-emitter is
 * installed and its module imported (so `@OnEvent('keymesh.key.rotated')` works), and logs the
 * transitions an operator wants to see. Events never carry secrets, so neither do the logs.
 */
@Injectable()
export class KeymeshEventsBridge implements OnModuleInit {
  private readonly logger = new Logger('Keymesh');

  constructor(
    @Inject(KEYMESH_CLIENTS) private readonly group: KeymeshClients,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: KeymeshModuleOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    const emitter = await this.findEventEmitter();
    for (const pool of Object.values(this.group.pools as Record<string, KeyPool>)) {
      if (emitter) for (const name of keymeshEventNames) pool.on(name, (event) => emitter.emit(KEYMESH_EVENT_PREFIX + name, event));
      if (this.options.logTransitions !== false) this.logTransitions(pool);
    }
  }

  private logTransitions(pool: KeyPool): void {
    pool.on('circuit.opened', (e) => this.logger.warn(`${e.pool}: circuit opened for key ${e.keyId} until ${new Date(e.until).toISOString()}`));
    pool.on('circuit.closed', (e) => this.logger.log(`${e.pool}: circuit closed for key ${e.keyId}`));
    pool.on('key.disabled', (e) => this.logger.warn(`${e.pool}: key ${e.keyId} disabled (${e.reason})${e.until ? ` until ${new Date(e.until).toISOString()}` : ''}`));
    pool.on('pool.exhausted', (e) => this.logger.error(`${e.pool}: no key can serve${e.retryAfterMs === null ? '' : `; earliest in ${e.retryAfterMs} ms`}`));
  }

  private async findEventEmitter(): Promise<Emitter | undefined> {
    try {
      const { EventEmitter2 } = await import('@nestjs/event-emitter');
      return this.moduleRef.get(EventEmitter2, { strict: false }) as Emitter;
    } catch {
      // Not installed, or EventEmitterModule not imported: events stay on the pools.
      return undefined;
    }
  }
}
