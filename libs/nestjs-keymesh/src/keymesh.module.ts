import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ConfigError, ErrorCodes, createKeymeshClients, type KeymeshClients } from '@keymesh/core';
import { DEFAULT_HEALTH_PATH, KEYMESH_CLIENTS, getKeymeshToken } from './keymesh.constants.js';
import { injectedClientNames } from './keymesh.decorator.js';
import { KeymeshEventsBridge } from './keymesh-events.bridge.js';
import { createHealthController } from './keymesh-health.controller.js';
import { KeymeshHealthIndicator } from './keymesh.health-indicator.js';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, staticClientNames } from './keymesh-module.definition.js';
import type { KeymeshModuleExtras, KeymeshModuleOptions } from './keymesh-options.interface.js';
import { KeymeshService } from './keymesh.service.js';

/**
 * Pooled SDK clients for a Nest application.
 *
 * ```ts
 * KeymeshModule.forRoot({ clients: { openai: { client: new OpenAI({ apiKey: 'unused' }), keys } }, isGlobal: true })
 * ```
 */
@Module({})
export class KeymeshModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return complete(super.forRoot(options), options);
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return complete(super.forRootAsync(options), options);
  }
}

function complete(definition: DynamicModule, extras: KeymeshModuleExtras): DynamicModule {
  const fixedNames = staticClientNames(definition);
  const healthPath = extras.health === false ? undefined : (extras.health?.path ?? DEFAULT_HEALTH_PATH);
  const providers: Provider[] = [
    ...(definition.providers ?? []),
    {
      provide: KEYMESH_CLIENTS,
      useFactory: (options: KeymeshModuleOptions) => createKeymeshClients({ clients: options?.clients, defaults: options?.defaults }),
      inject: [MODULE_OPTIONS_TOKEN],
    },
    KeymeshService,
    KeymeshHealthIndicator,
    KeymeshEventsBridge,
  ];
  // Nest reads `providers` and `exports` when it scans modules at bootstrap, after every
  // @InjectKeymesh decorator has run: a name only the async factory knows still gets its provider.
  const names = () => [...new Set([...fixedNames, ...injectedClientNames()])];
  return {
    ...definition,
    controllers: [...(definition.controllers ?? []), ...(healthPath ? [createHealthController(healthPath)] : [])],
    get providers() {
      return [...providers, ...names().map(clientProvider)];
    },
    get exports() {
      return [KEYMESH_CLIENTS, KeymeshService, KeymeshHealthIndicator, ...names().map(getKeymeshToken)];
    },
  };
}

function clientProvider(name: string): Provider {
  return {
    provide: getKeymeshToken(name),
    useFactory: (group: KeymeshClients) => group.clients[name] ?? missingClient(name, Object.keys(group.clients)),
    inject: [KEYMESH_CLIENTS],
  };
}

/**
 * A stand-in for a name injected somewhere but not configured. Failing at bootstrap would break
 * every app that merely shares a process with that class (a test run); failing on first use
 * names the problem where it is.
 */
function missingClient(name: string, configured: string[]): object {
  const fail = () => {
    throw new ConfigError(ErrorCodes.UNKNOWN_KEY, `@InjectKeymesh(${JSON.stringify(name)}): no client of that name is configured (configured: ${configured.join(', ')}).`, 'name');
  };
  return new Proxy(
    {},
    {
      // Nest probes every provider for lifecycle hooks and thenables; only real use should fail.
      // Scanners (the event emitter's @OnEvent discovery) also walk inherited members such as __defineGetter__.
      get: (_target, property) => (typeof property === 'symbol' || introspected.has(property) || property in Object.prototype ? undefined : fail()),
    },
  );
}

const introspected = new Set(['then', 'constructor', 'toJSON', 'onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']);
