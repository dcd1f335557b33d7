import { statusOf } from '../classify/default-classifier.js';
import type { Classifier } from '../classify/outcome.js';

/**
 * OpenAI answers 429 both for a rate limit and for an account out of credit; only the error
 * code tells them apart (`insufficient_quota`). Everything else is the default classifier's.
 */
export const classifyOpenAI: Classifier = (error) => {
  const status = statusOf(error);
  if (status !== 429) return undefined;
  const e = error as { code?: unknown; type?: unknown; error?: { code?: unknown; type?: unknown } };
  const codes = [e.code, e.type, e.error?.code, e.error?.type];
  return codes.includes('insufficient_quota') ? { kind: 'quota_exhausted', status } : undefined;
};
