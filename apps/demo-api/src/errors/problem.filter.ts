import { errorResponse } from '@keymesh/core';
import { KeymeshExceptionFilter } from '@keymesh/nestjs';
import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Response } from 'express';

/** Every error body of the demo: RFC 9457 problem details, the shape Keymesh's own answers have. */
export interface DemoProblem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Every problem found in the request, when there are several (validation). */
  errors?: string[];
  [extension: string]: unknown;
}

/**
 * One shape for every error the demo answers. A pooled call's failure is answered by
 * `KeymeshExceptionFilter` (problem+json, no provider text); Nest's HttpExceptions (the chat
 * validation pipe, 404, the body parser's 413) become problems carrying their messages; anything
 * else is a bug of the demo: logged, and a bare 500 for the caller.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Demo');
  private readonly keymesh: KeymeshExceptionFilter;

  constructor(adapterHost: HttpAdapterHost) {
    this.keymesh = new KeymeshExceptionFilter(adapterHost);
  }

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    // The caller left (an abort), or a stream already committed its status: nothing to answer.
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    const pooled = errorResponse(error);
    if (pooled !== undefined) {
      // The operator's view: what kind of failure, never the provider's text.
      this.logger.warn(`${host.switchToHttp().getRequest<{ url?: string }>().url ?? ''}: ${pooled.body.type.split('/').pop()} → ${pooled.status}`);
      return this.keymesh.catch(error, host);
    }
    const problem = error instanceof HttpException ? fromHttpException(error) : this.internal(error);
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private internal(error: unknown): DemoProblem {
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return { type: 'about:blank', title: 'Internal Server Error', status: 500 };
  }
}

function fromHttpException(error: HttpException): DemoProblem {
  const status = error.getStatus();
  const answer = error.getResponse();
  const messages = typeof answer === 'object' && answer !== null ? (answer as { message?: unknown }).message : answer;
  const list = (Array.isArray(messages) ? messages : [messages]).filter((m): m is string => typeof m === 'string' && m !== '');
  const title = (HttpStatus[status] ?? 'Error').toLowerCase().replace(/(^|_)(\w)/g, (_m, sep: string, c: string) => (sep ? ' ' : '') + c.toUpperCase());
  // `errors` whenever the exception listed its problems (the chat validation pipe), so clients read one field.
  return { type: 'about:blank', title, status, ...(list.length > 0 ? { detail: list.join('; ') } : {}), ...(Array.isArray(messages) ? { errors: list } : {}) };
}
