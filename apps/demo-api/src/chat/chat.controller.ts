import { Body, Controller, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ChatRequestPipe } from './chat-request.pipe.js';
import { writeChatSse } from './chat-sse.js';
import { ChatService } from './chat.service.js';
import type { ChatRequest } from './chat.types.js';
import { abortWhenClientGone } from './client-gone.js';

/**
 * `POST /chat { provider, messages, stream? }`: `{ provider, text, model }`, or server-sent
 * events with `stream: true`. The response object is used directly because a stream decides
 * its status only once the first chunk is in hand; until then any error still reaches the
 * app's ProblemFilter (400; 503, 502, … through KeymeshExceptionFilter).
 */
@Controller('chat')
export class ChatController {
  constructor(private readonly chats: ChatService) {}

  @Post()
  async chat(@Body(ChatRequestPipe) request: ChatRequest, @Res() res: Response): Promise<void> {
    const signal = abortWhenClientGone(res);
    if (!request.stream) {
      res.status(200).json(await this.chats.complete(request, signal));
      return;
    }
    await writeChatSse(res, await this.chats.stream(request, signal), signal);
  }
}
