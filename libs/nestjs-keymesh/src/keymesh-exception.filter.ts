import { Catch, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PoolExhaustedError, exhaustedResponse } from '@keymesh/core';

/**
 * Turns a `PoolExhaustedError` escaping a controller into 503 with `Retry-After` and a
 * problem+json body. Register it with `{ provide: APP_FILTER, useClass: KeymeshExceptionFilter }`
 * or `app.useGlobalFilters(new KeymeshExceptionFilter())`.
 */
@Catch(PoolExhaustedError)
export class KeymeshExceptionFilter implements ExceptionFilter<PoolExhaustedError> {
  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(error: PoolExhaustedError, host: ArgumentsHost): void {
    const { status, headers, body } = exhaustedResponse(error);
    const response = host.switchToHttp().getResponse<Record<string, (...args: unknown[]) => unknown>>();
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter) {
      for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
      adapter.reply(response, body, status);
      return;
    }
    // Without DI (useGlobalFilters(new …)): Express and Fastify responses both have these.
    for (const [name, value] of Object.entries(headers)) (response.header ?? response.setHeader)!.call(response, name, value);
    (response.status ?? response.code)!.call(response, status);
    response.send!.call(response, JSON.stringify(body));
  }
}
