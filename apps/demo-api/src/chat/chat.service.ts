import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { UPSTREAM, type ProviderName, type Upstream } from '../upstream/upstream.js';
import { AnthropicChatService } from './anthropic-chat.service.js';
import { CHAT_FINISHED, type ChatFinishedEvent } from './chat-finished.event.js';
import type { ChatCompletion, ChatProvider, ChatRequest, ChatStream } from './chat.types.js';
import { GeminiChatService } from './gemini-chat.service.js';
import { OpenAIChatService } from './openai-chat.service.js';

/** Sends a chat to the named provider and normalizes the answer; reports how each one ended. */
@Injectable()
export class ChatService {
  private readonly providers: Record<ProviderName, ChatProvider>;
  private readonly models: Partial<Record<ProviderName, string>>;

  constructor(
    openai: OpenAIChatService,
    anthropic: AnthropicChatService,
    gemini: GeminiChatService,
    @Inject(UPSTREAM) upstream: Upstream,
    private readonly events: EventEmitter2,
  ) {
    this.providers = { openai, anthropic, gemini };
    this.models = Object.fromEntries(upstream.providers.map((p) => [p.name, p.model]));
  }

  async complete({ provider, messages }: ChatRequest, signal: AbortSignal): Promise<ChatCompletion> {
    const started = Date.now();
    try {
      const { text, model } = await this.providers[provider].complete(messages, this.modelFor(provider), signal);
      this.finished(provider, false, 'ok', started);
      return { provider, text, model };
    } catch (error) {
      this.finished(provider, false, signal.aborted ? 'aborted' : 'error', started);
      throw error;
    }
  }

  async stream({ provider, messages }: ChatRequest, signal: AbortSignal): Promise<ChatStream> {
    const started = Date.now();
    const model = this.modelFor(provider);
    let chunks: AsyncIterable<string>;
    try {
      chunks = await this.providers[provider].stream(messages, model, signal);
    } catch (error) {
      this.finished(provider, true, signal.aborted ? 'aborted' : 'error', started);
      throw error;
    }
    const report = (outcome: ChatFinishedEvent['outcome']) => this.finished(provider, true, outcome, started);
    return {
      provider,
      model,
      chunks: (async function* () {
        // A consumer that stops reading early (return()) also counts as the caller leaving.
        let outcome: ChatFinishedEvent['outcome'] = 'aborted';
        try {
          yield* chunks;
          // The openai SDK ends a stream quietly when its signal aborts, rather than throwing.
          outcome = signal.aborted ? 'aborted' : 'ok';
        } catch (error) {
          outcome = signal.aborted ? 'aborted' : 'error';
          throw error;
        } finally {
          report(outcome);
        }
      })(),
    };
  }

  private modelFor(provider: ProviderName): string {
    // The request pipe only lets configured providers through.
    return this.models[provider]!;
  }

  private finished(provider: ProviderName, stream: boolean, outcome: ChatFinishedEvent['outcome'], started: number): void {
    const event: ChatFinishedEvent = { provider, stream, outcome, durationMs: Date.now() - started };
    this.events.emit(CHAT_FINISHED, event);
  }
}
