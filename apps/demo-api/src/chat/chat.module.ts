import { Module } from '@nestjs/common';
import { AnthropicChatService } from './anthropic-chat.service.js';
import { ChatController } from './chat.controller.js';
import { ChatRequestPipe } from './chat-request.pipe.js';
import { ChatService } from './chat.service.js';
import { GeminiChatService } from './gemini-chat.service.js';
import { OpenAIChatService } from './openai-chat.service.js';

/** `POST /chat` over the three pooled SDK clients. */
@Module({
  controllers: [ChatController],
  providers: [ChatService, ChatRequestPipe, OpenAIChatService, AnthropicChatService, GeminiChatService],
})
export class ChatModule {}
