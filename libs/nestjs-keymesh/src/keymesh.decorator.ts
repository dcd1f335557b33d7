import { Inject } from '@nestjs/common';
import { getKeymeshToken } from './keymesh.constants.js';

const injectedNames = new Set<string>();

/**
 * Injects the pooled client named `name`, typed as the SDK client you declare:
 * `@InjectKeymesh('openai') private readonly openai: OpenAI`.
 */
export function InjectKeymesh(name: string): PropertyDecorator & ParameterDecorator {
  injectedNames.add(name);
  return Inject(getKeymeshToken(name));
}

/**
 * Names used with `@InjectKeymesh`. Decorators run when classes are defined, before Nest scans
 * modules, which lets `forRootAsync` provide clients whose names only its factory knows.
 */
export function injectedClientNames(): ReadonlySet<string> {
  return injectedNames;
}
