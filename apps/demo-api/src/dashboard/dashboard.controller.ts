import { readFileSync } from 'node:fs';
import { Controller, Get, Header, type MessageEvent, Sse } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { PoolEventHub } from './pool-event-hub.service.js';

/**
 * The page lives outside src/ so the same relative path works from src/ (tests) and dist/
 * (the built app): both are one level below apps/demo-api.
 */
const PAGE_URL = new URL('../../public/dashboard.html', import.meta.url);

/** `GET /`: the live key dashboard; `GET /events`: the server-sent events that drive it. */
@Controller()
export class DashboardController {
  private readonly page = readFileSync(PAGE_URL, 'utf8');

  constructor(private readonly hub: PoolEventHub) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  // The page loads nothing from anywhere: say so to the browser as well.
  @Header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'")
  dashboard(): string {
    return this.page;
  }

  @Sse('events')
  events(): Observable<MessageEvent> {
    return this.hub.updates();
  }
}
