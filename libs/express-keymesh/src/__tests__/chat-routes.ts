import type { Router } from 'express';
import { signalOf } from '../index.js';
import './declare-clients.js';

export const MESSAGES = [{ role: 'user' as const, content: 'hi' }];

/**
 * The routes an application would write: a completion, and the same completion streamed to the
 * browser as server-sent events. Both hand the SDK `signalOf(req)`. Errors go to `next` so the
 * routes behave the same on Express 4, which does not catch a rejected handler.
 */
export function chatRoutes(router: Pick<Router, 'post'>): void {
  router.post('/chat', async (req, res, next) => {
    try {
      const completion = await req.llm.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES }, { signal: signalOf(req) });
      res.json({ text: completion.choices[0]?.message.content });
    } catch (error) {
      next(error);
    }
  });

  router.post('/chat/stream', async (req, res, next) => {
    try {
      const stream = await req.llm.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true }, { signal: signalOf(req) });
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.flushHeaders();
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) res.write(`data: ${JSON.stringify(text)}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    } catch (error) {
      next(error);
    }
  });
}
