import type { ProviderName } from '../upstream/upstream.js';

/** Emitted on EventEmitter2 when a `POST /chat` ends, whichever way; the metrics count them. */
export const CHAT_FINISHED = 'chat.finished';

export interface ChatFinishedEvent {
  provider: ProviderName;
  stream: boolean;
  /** `aborted`: the caller left before the answer ended, and the upstream call was cancelled. */
  outcome: 'ok' | 'aborted' | 'error';
  durationMs: number;
}
