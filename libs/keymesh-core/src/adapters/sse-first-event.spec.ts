import { describe, expect, it, vi } from 'vitest';
import { errorInFirstEvent, firstEvent } from './sse-first-event.js';

describe('firstEvent: what the SDK decoders dispatch', () => {
  it('skips comments, retry: and id: lines and empty blocks', () => {
    expect(firstEvent(': keep-alive\n\nretry: 3000\n\nid: 7\n\n\n\ndata: {"a":1}\n\n')).toEqual({ name: undefined, data: '{"a":1}' });
  });

  it('an event name with no data is an event (openai and anthropic decoders dispatch it)', () => {
    expect(firstEvent('event: ping\n\n')).toEqual({ name: 'ping', data: '' });
  });

  it('undefined until a real event is complete', () => {
    expect(firstEvent(': keep-alive\n\n')).toBeUndefined();
    expect(firstEvent('data: {"a"')).toBeUndefined();
  });

  it('CRLF line ends and multi-line data', () => {
    expect(firstEvent(':c\r\n\r\nevent: x\r\ndata: 1\r\ndata: 2\r\n\r\n')).toEqual({ name: 'x', data: '1\n2' });
  });
});

describe('errorInFirstEvent', () => {
  it('provider trouble and rate limits fail the attempt, with the provider message kept', () => {
    const error = errorInFirstEvent(`: keep-alive\n\ndata: ${JSON.stringify({ error: { type: 'server_error', message: 'The server had an error' } })}\n\n`);
    expect(error).toMatchObject({ code: 'ERR_KEYMESH_STREAM_ERROR_EVENT', type: 'server_error', status: 500, providerMessage: 'The server had an error' });
    expect(errorInFirstEvent(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`)).toMatchObject({ status: 529 });
  });

  it.each([
    ['openai invalid_request_error', { error: { type: 'invalid_request_error', code: 'context_length_exceeded', message: 'too long', param: 'messages' } }],
    ['openai code only', { error: { type: null, code: 'context_length_exceeded', message: 'too long' } }],
    ['anthropic invalid_request_error', { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } }],
    ['anthropic not_found_error', { type: 'error', error: { type: 'not_found_error', message: 'model: x' } }],
  ])("%s: left in the stream for the SDK to raise (the caller's fault)", (_, payload) => {
    expect(errorInFirstEvent(`event: error\ndata: ${JSON.stringify(payload)}\n\n`)).toBeUndefined();
  });

  it('quota and key errors keep their meaning: insufficient_quota reads as a 429 the OpenAI classifier calls quota, a bad key as 401', () => {
    expect(errorInFirstEvent(`data: ${JSON.stringify({ error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'out of credit' } })}\n\n`)).toMatchObject({ status: 429, type: 'insufficient_quota' });
    expect(errorInFirstEvent(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'bad key' } })}\n\n`)).toMatchObject({ status: 401 });
  });

  it("Gemini's in-stream error names its status: UNAVAILABLE moves on as a 503", () => {
    expect(errorInFirstEvent(`data: ${JSON.stringify({ error: { code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded.' } })}\r\n\r\n`)).toMatchObject({ status: 503, type: 'UNAVAILABLE' });
    expect(errorInFirstEvent(`data: ${JSON.stringify({ error: { code: 400, status: 'INVALID_ARGUMENT', message: 'bad' } })}\n\n`)).toBeUndefined();
  });

  it('a flat named error event (OpenAI Responses: `{ type: "error", code, message }`) is read by its code', () => {
    expect(errorInFirstEvent(`event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: 'boom' })}\n\n`)).toMatchObject({ status: 500, type: 'server_error', providerMessage: 'boom' });
    expect(errorInFirstEvent(`event: error\ndata: ${JSON.stringify({ type: 'error', code: 'invalid_prompt', message: 'no' })}\n\n`)).toBeUndefined();
  });

  it('an error type Keymesh does not know is left to the SDK, like any error without a status', () => {
    expect(errorInFirstEvent(`data: ${JSON.stringify({ error: { type: 'invalid_request', message: 'synthetic upstream failure' } })}\n\n`)).toBeUndefined();
  });

  it('a normal first event is not an error', () => {
    expect(errorInFirstEvent('data: {"choices":[]}\n\n')).toBeUndefined();
  });

  it('a first event that names no error is not even parsed (the common case costs no JSON.parse)', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      // Only calls on these inputs count: anything else running in the worker may parse JSON too.
      const parsedHere = (marker: string) => parse.mock.calls.filter(([text]) => String(text).includes(marker)).length;
      expect(errorInFirstEvent(`data: ${JSON.stringify({ choices: [{ delta: { content: 'an "error" in the text' } }] })}\n\n`)).toBeUndefined();
      expect(parsedHere('in the text')).toBe(0);
      expect(errorInFirstEvent(`data: ${JSON.stringify({ error: { type: 'server_error', message: 'boom' } })}\n\n`)).toMatchObject({ type: 'server_error' });
      expect(parsedHere('boom')).toBe(1);
    } finally {
      parse.mockRestore();
    }
  });
});
