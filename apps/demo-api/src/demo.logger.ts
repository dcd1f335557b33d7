import { ConsoleLogger } from '@nestjs/common';

/** Contexts whose `log` lines list every module and route at startup. */
const STARTUP_CHATTER = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * Nest's console logger without the startup chatter, which would bury the few lines a newcomer
 * needs (URL, mode, keys). Warnings and errors always pass; `VERBOSE=1` brings the chatter back.
 */
export class DemoLogger extends ConsoleLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1) ?? this.context;
    if (typeof context === 'string' && STARTUP_CHATTER.has(context)) return;
    super.log(message, ...optionalParams);
  }
}
