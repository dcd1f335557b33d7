import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { Counter } from '@opentelemetry/api';
import { CHAT_FINISHED, type ChatFinishedEvent } from '../chat/chat-finished.event.js';
import { DemoMeters } from './meter-provider.js';

/** What the demo's own callers saw: `POST /chat` answers by provider, mode and outcome (`demo_chat_requests_total`). */
@Injectable()
export class ChatMetrics {
  private readonly chats: Counter;

  constructor(meters: DemoMeters) {
    this.chats = meters.provider.getMeter('keymesh-demo').createCounter('demo.chat.requests', {
      description: 'POST /chat requests by provider, mode (json or stream) and outcome (ok, error, aborted: the caller left and the upstream call was cancelled).',
    });
  }

  @OnEvent(CHAT_FINISHED)
  finished(e: ChatFinishedEvent): void {
    this.chats.add(1, { provider: e.provider, mode: e.stream ? 'stream' : 'json', outcome: e.outcome });
  }
}
