import { Catch, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { errorResponse } from '@keymesh/core';

/**
 * What `@Catch()` matches: Nest picks a filter with `instanceof` against these classes, and
 * `Symbol.hasInstance` makes that a shape test. The app may load another copy of an SDK than the
 * one Keymesh wrapped, so its error classes cannot be named here; anything not recognised (the
 * app's own errors, HttpExceptions) falls through to Nest's other filters untouched.
 */
class PooledCallError {
  static [Symbol.hasInstance](value: unknown): boolean {
    return errorResponse(value) !== undefined;
  }
}

/**
 * Answers what a pooled call can throw — `PoolExhaustedError` and every error the wrapped SDKs
 * raise once attempts run out — with `errorResponse()` from `@keymesh/core`: 503 + `Retry-After`
 * when no key can serve or every attempt was rate limited, 502 for refused credentials and
 * provider failures, the caller's 400/413/422 as such, 504 for timeouts; an
 * `application/problem+json` body that never carries the provider's text. The same answers as
 * `keymeshErrorHandler()` in `@keymesh/express`.
 *
 * Register it with `{ provide: APP_FILTER, useClass: KeymeshExceptionFilter }` or
 * `app.useGlobalFilters(new KeymeshExceptionFilter())`.
 */
@Catch(PooledCallError)
export class KeymeshExceptionFilter implements ExceptionFilter {
  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const answer = errorResponse(error);
    const response = host.switchToHttp().getResponse<Record<string, unknown> & { headersSent?: boolean }>();
    // Matched by the shape test, so always defined; a response already under way cannot change status.
    if (answer === undefined || response.headersSent) return;
    const { status, headers, body } = answer;
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter) {
      for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
      adapter.reply(response, body, status);
      return;
    }
    // Without DI (useGlobalFilters(new …)): Express and Fastify responses both have these.
    const call = (name: string, ...args: unknown[]) => (response[name] as (...a: unknown[]) => unknown).call(response, ...args);
    for (const [name, value] of Object.entries(headers)) call(typeof response.header === 'function' ? 'header' : 'setHeader', name, value);
    call(typeof response.status === 'function' ? 'status' : 'code', status);
    call('send', JSON.stringify(body));
  }
}
