import { inspect } from 'node:util';
import fc from 'fast-check';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { redactError, redactText, redactValue } from './redact.js';

const SECRET = 'sk-test-redact-0123456789abcdef';

describe('redaction of kept upstream text', () => {
  it('masks every occurrence as the key hint', () => {
    expect(redactText(`a ${SECRET} b ${SECRET}`, SECRET)).toBe('a sk-…cdef b sk-…cdef');
  });

  it('an SDK error: message, stack and the parsed body, in place (same instance, same class)', () => {
    const error = OpenAI.APIError.generate(401, { error: { message: `Incorrect API key provided: ${SECRET}`, code: 'invalid_api_key' } }, undefined, new Headers());
    redactError(error, SECRET);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(inspect(error, { depth: 10 })).not.toContain(SECRET);
    expect(error.message).toContain('sk-…cdef');
  });

  it('follows the cause chain', () => {
    const error = new Error('outer', { cause: new Error(`inner ${SECRET}`) });
    redactError(error, SECRET);
    expect(inspect(error, { depth: 10 })).not.toContain(SECRET);
  });

  it('property: no string anywhere in a plain value keeps the secret; untouched values keep their identity', () => {
    const text = fc.array(fc.constantFrom('x', ' ', SECRET, '{', 'sk-'), { maxLength: 6 }).map((parts) => parts.join(''));
    const value = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, text, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 3 })) })).node;
    fc.assert(
      fc.property(value, (v) => {
        const redacted = redactValue(v, SECRET);
        expect(JSON.stringify(redacted) ?? '').not.toContain(SECRET);
        if (!(JSON.stringify(v) ?? '').includes(SECRET)) expect(redacted).toBe(v);
      }),
    );
  });
});
