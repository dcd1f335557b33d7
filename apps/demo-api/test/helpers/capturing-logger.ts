import type { LoggerService } from '@nestjs/common';

/** Keeps every log line (level, context, message) so tests can read what an operator would see. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }

  text(): string {
    return this.lines.join('\n');
  }

  private push(level: string, message: unknown, rest: unknown[]): void {
    const context = rest.at(-1);
    const body = message instanceof Error ? `${message.name}: ${message.message}\n${message.stack}` : typeof message === 'string' ? message : JSON.stringify(message);
    this.lines.push(`${level} [${typeof context === 'string' ? context : ''}] ${body}`);
  }
}
