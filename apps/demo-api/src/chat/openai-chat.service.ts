import { Injectable } from '@nestjs/common';
import { KeymeshService } from '@keymesh/nestjs';
import type OpenAI from 'openai';
import type { ChatMessage, ChatProvider } from './chat.types.js';

/** Chat Completions through the pooled OpenAI client: the call is the SDK's own, unchanged. */
@Injectable()
export class OpenAIChatService implements ChatProvider {
  constructor(private readonly keymesh: KeymeshService) {}

  /**
   * Looked up by name rather than with `@InjectKeymesh('openai')`: with only some providers
   * configured (real mode), an injected but unconfigured name becomes a stand-in provider that
   * @nestjs/event-emitter's listener scan trips over at bootstrap.
   */
  private get openai(): OpenAI {
    return this.keymesh.client<OpenAI>('openai');
  }

  async complete(messages: ChatMessage[], model: string, signal: AbortSignal) {
    const completion = await this.openai.chat.completions.create({ model, messages }, { signal });
    return { text: completion.choices[0]?.message.content ?? '', model: completion.model };
  }

  async stream(messages: ChatMessage[], model: string, signal: AbortSignal) {
    const stream = await this.openai.chat.completions.create({ model, messages, stream: true }, { signal });
    return (async function* () {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield text;
      }
    })();
  }
}
