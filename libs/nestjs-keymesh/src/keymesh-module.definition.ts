import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import type { KeymeshModuleExtras, KeymeshModuleOptions } from './keymesh-options.interface.js';

/**
 * The module's `forRoot` / `forRootAsync`, in the style of @nestjs/throttler. `health` and
 * `isGlobal` are module-level extras, so they are known when the module is defined even when the
 * clients come from an async factory.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } = new ConfigurableModuleBuilder<KeymeshModuleOptions>({
  moduleName: 'Keymesh',
})
  .setClassMethodName('forRoot')
  .setExtras<KeymeshModuleExtras>({ isGlobal: false, health: {} }, (definition, extras) => ({ ...definition, global: extras.isGlobal === true }))
  .build();

/** Client names `forRoot` was given directly (a `forRootAsync` factory's are unknown until it runs). */
export function staticClientNames(definition: DynamicModule): string[] {
  const options = (definition.providers ?? []).find(
    (provider): provider is Extract<Provider, { useValue: unknown }> =>
      typeof provider === 'object' && 'provide' in provider && provider.provide === MODULE_OPTIONS_TOKEN && 'useValue' in provider,
  );
  const clients = (options?.useValue as Partial<KeymeshModuleOptions> | undefined)?.clients;
  return clients ? Object.keys(clients) : [];
}
