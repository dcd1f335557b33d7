import type { Content, GoogleGenAI } from '@google/genai';
import { Injectable } from '@nestjs/common';
import { KeymeshService } from '@keymesh/nestjs';
import type { ChatMessage, ChatProvider } from './chat.types.js';

/** Gemini calls the assistant `model` and takes the system prompt as `systemInstruction`. */
function toGemini(messages: ChatMessage[]) {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const contents: Content[] = messages
    .filter((m) => m.role !== 'system')
    .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] }));
  return { contents, system };
}

/** generateContent through the pooled genai client (genai cannot be cloned, so Keymesh routes this very client). */
@Injectable()
export class GeminiChatService implements ChatProvider {
  constructor(private readonly keymesh: KeymeshService) {}

  /**
   * Looked up by name rather than with `@InjectKeymesh('gemini')`: with only some providers
   * configured (real mode), an injected but unconfigured name becomes a stand-in provider that
   * @nestjs/event-emitter's listener scan trips over at bootstrap.
   */
  private get ai(): GoogleGenAI {
    return this.keymesh.client<GoogleGenAI>('gemini');
  }

  async complete(messages: ChatMessage[], model: string, signal: AbortSignal) {
    const { contents, system } = toGemini(messages);
    const response = await this.ai.models.generateContent({ model, contents, config: { abortSignal: signal, ...(system ? { systemInstruction: system } : {}) } });
    return { text: response.text ?? '', model: response.modelVersion ?? model };
  }

  async stream(messages: ChatMessage[], model: string, signal: AbortSignal) {
    const { contents, system } = toGemini(messages);
    const stream = await this.ai.models.generateContentStream({ model, contents, config: { abortSignal: signal, ...(system ? { systemInstruction: system } : {}) } });
    return (async function* () {
      for await (const chunk of stream) {
        if (chunk.text) yield chunk.text;
      }
    })();
  }
}
