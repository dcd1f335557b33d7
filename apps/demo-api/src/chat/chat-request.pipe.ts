import { BadRequestException, Inject, Injectable, type PipeTransform } from '@nestjs/common';
import { UPSTREAM, isProviderName, type Upstream } from '../upstream/upstream.js';
import { keysVariable } from '../upstream/real-upstream.js';
import { ROLES, type ChatMessage, type ChatRequest, type ChatRole } from './chat.types.js';

const FIELDS = ['provider', 'messages', 'stream'];
const MAX_MESSAGES = 100;
const MAX_CONTENT = 32_000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates `POST /chat` by hand (no class-validator for three fields) and answers 400 with
 * every problem at once, in Nest's usual `{ statusCode, error, message: [...] }` shape. Unknown
 * fields are refused so a typo such as `strem` does not silently turn streaming off.
 */
@Injectable()
export class ChatRequestPipe implements PipeTransform<unknown, ChatRequest> {
  private readonly configured: string[];

  constructor(@Inject(UPSTREAM) upstream: Upstream) {
    this.configured = upstream.providers.map((p) => p.name);
  }

  transform(body: unknown): ChatRequest {
    if (!isObject(body)) throw invalid(['body must be a JSON object: { "provider": "openai", "messages": [{ "role": "user", "content": "Hi" }] }']);
    const problems: string[] = [];
    for (const field of Object.keys(body)) {
      if (!FIELDS.includes(field)) problems.push(`unknown field "${field}"; allowed: ${FIELDS.join(', ')}`);
    }
    this.checkProvider(body.provider, problems);
    const messages = checkMessages(body.messages, problems);
    if (body.stream !== undefined && typeof body.stream !== 'boolean') problems.push('stream must be true or false');
    if (problems.length > 0) throw invalid(problems);
    return { provider: body.provider as ChatRequest['provider'], messages, stream: body.stream === true };
  }

  private checkProvider(provider: unknown, problems: string[]): void {
    if (provider === undefined) problems.push(`provider is required: one of ${this.configured.join(', ')}`);
    else if (!isProviderName(provider)) problems.push(`provider must be one of ${this.configured.join(', ')}`);
    else if (!this.configured.includes(provider)) {
      problems.push(`provider "${provider}" is not configured in this run (set ${keysVariable(provider)}); configured: ${this.configured.join(', ')}`);
    }
  }
}

function checkMessages(value: unknown, problems: string[]): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('messages must be a non-empty array of { role, content }');
    return [];
  }
  if (value.length > MAX_MESSAGES) problems.push(`messages may hold at most ${MAX_MESSAGES} entries`);
  const messages: ChatMessage[] = [];
  value.slice(0, MAX_MESSAGES).forEach((message: unknown, i) => {
    if (!isObject(message)) return void problems.push(`messages[${i}] must be an object { role, content }`);
    const { role, content } = message;
    if (!(ROLES as readonly unknown[]).includes(role)) problems.push(`messages[${i}].role must be one of ${ROLES.join(', ')}`);
    if (typeof content !== 'string' || content.trim() === '') problems.push(`messages[${i}].content must be a non-empty string`);
    else if (content.length > MAX_CONTENT) problems.push(`messages[${i}].content must be at most ${MAX_CONTENT} characters`);
    messages.push({ role: role as ChatRole, content: content as string });
  });
  if (messages.length > 0 && messages.every((m) => m.role === 'system')) problems.push('messages needs at least one user message');
  return messages;
}

function invalid(message: string[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message });
}
