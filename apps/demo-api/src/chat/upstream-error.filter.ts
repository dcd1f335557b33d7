import Anthropic from '@anthropic-ai/sdk';
import { ApiError } from '@google/genai';
import { AttemptTimeoutError, StreamErrorEventError, StreamIdleTimeoutError, headersOf, readHeader, statusOf } from '@keymesh/core';
import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import OpenAI from 'openai';
import { ClientGoneError } from './client-gone.js';

/**
 * What the caller gets when Keymesh ran out of attempts and rethrew the provider's own error
 * (PoolExhaustedError is the module's KeymeshExceptionFilter's: 503). A 429 stays a 429, with
 * the provider's Retry-After; anything else is the gateway's failure, 502. Upstream messages
 * are not echoed: some quote (part of) the key they refused.
 */
@Catch(OpenAI.APIError, Anthropic.APIError, ApiError, StreamErrorEventError, StreamIdleTimeoutError, AttemptTimeoutError, ClientGoneError)
export class UpstreamErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Chat');

  catch(error: Error, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    // The caller left (an abort), or a stream already committed its status: nothing to answer.
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    const provider = String((http.getRequest<Request>().body as { provider?: unknown } | undefined)?.provider ?? 'upstream');
    const status = statusOf(error);
    if (status === 429) {
      const retryAfter = retryAfterSeconds(error);
      if (retryAfter !== undefined) res.setHeader('retry-after', retryAfter);
      this.logger.warn(`${provider}: 429 reached the caller (every attempt was rate limited)`);
      res.status(429).json({ statusCode: 429, error: 'Too Many Requests', message: `${provider} rate-limited every attempt; retry later` });
      return;
    }
    this.logger.warn(`${provider}: upstream failed (${error.name}${status === undefined ? '' : ` ${status}`})`);
    res.status(502).json({
      statusCode: 502,
      error: 'Bad Gateway',
      message: `${provider} failed${status === undefined ? '' : ` with status ${status}`} (${error.name})`,
      ...(status === undefined ? {} : { upstreamStatus: status }),
    });
  }
}

/** The provider's wait hint as a Retry-After in whole seconds (`retry-after`, else `retry-after-ms` rounded up). */
function retryAfterSeconds(error: unknown): string | undefined {
  const headers = headersOf(error);
  const seconds = readHeader(headers, 'retry-after');
  if (seconds) return seconds;
  const ms = Number(readHeader(headers, 'retry-after-ms'));
  return Number.isFinite(ms) && ms >= 0 ? String(Math.max(1, Math.ceil(ms / 1_000))) : undefined;
}
