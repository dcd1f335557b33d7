import type Anthropic from '@anthropic-ai/sdk';
import { Injectable } from '@nestjs/common';
import { KeymeshService } from '@keymesh/nestjs';
import type { ChatMessage, ChatProvider } from './chat.types.js';

/** Room for a short answer; the demo is about keys, not long generations. */
const MAX_TOKENS = 1_024;

/** Anthropic takes system prompts apart from the conversation. */
function toAnthropic(messages: ChatMessage[]) {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const conversation = messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
  return { ...(system ? { system } : {}), messages: conversation };
}

/** The Messages API through the pooled Anthropic client. */
@Injectable()
export class AnthropicChatService implements ChatProvider {
  constructor(private readonly keymesh: KeymeshService) {}

  /**
   * Looked up by name rather than with `@InjectKeymesh('anthropic')`: with only some providers
   * configured (real mode), an injected but unconfigured name becomes a stand-in provider that
   * @nestjs/event-emitter's listener scan trips over at bootstrap.
   */
  private get anthropic(): Anthropic {
    return this.keymesh.client<Anthropic>('anthropic');
  }

  async complete(messages: ChatMessage[], model: string, signal: AbortSignal) {
    const message = await this.anthropic.messages.create({ model, max_tokens: MAX_TOKENS, ...toAnthropic(messages) }, { signal });
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    return { text, model: message.model };
  }

  async stream(messages: ChatMessage[], model: string, signal: AbortSignal) {
    const stream = await this.anthropic.messages.create({ model, max_tokens: MAX_TOKENS, ...toAnthropic(messages), stream: true }, { signal });
    return (async function* () {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta' && event.delta.text) yield event.delta.text;
      }
    })();
  }
}
