import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Counter, type Registry } from 'prom-client';
import { CHAT_FINISHED, type ChatFinishedEvent } from '../chat/chat-finished.event.js';
import { METRICS_REGISTRY } from './metrics.registry.js';

/** What the demo's own callers saw: `POST /chat` answers by provider, mode and outcome. */
@Injectable()
export class ChatMetrics {
  private readonly chats: Counter<'provider' | 'mode' | 'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.chats = new Counter({
      name: 'demo_chat_requests_total',
      help: 'POST /chat requests by provider, mode (json or stream) and outcome (ok, error, aborted: the caller left and the upstream call was cancelled).',
      labelNames: ['provider', 'mode', 'outcome'],
      registers: [registry],
    });
  }

  @OnEvent(CHAT_FINISHED)
  finished(e: ChatFinishedEvent): void {
    this.chats.inc({ provider: e.provider, mode: e.stream ? 'stream' : 'json', outcome: e.outcome });
  }
}
