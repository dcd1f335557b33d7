import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../__tests__/manual-clock.js';
import { settleResponse } from './response-guard.js';

/** A response whose body the test writes chunk by chunk. */
function scripted(): { response: Response; write(text: string): void; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    write: (text) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
  };
}

describe('idle timeout on one lazily re-armed timer (injected clock)', () => {
  it('tolerates chunks that come faster than the timeout, with at most one timer, and none left after', async () => {
    const clock = new ManualClock();
    const upstream = scripted();
    const settling = settleResponse(upstream.response, { stream: false, idleTimeoutMs: 100, clock });
    for (let i = 0; i < 5; i++) {
      await clock.advance(60);
      expect(clock.pendingTimers).toBeLessThanOrEqual(1);
      upstream.write(`${i}`);
    }
    upstream.end();
    expect(await (await settling).text()).toBe('01234');
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails a non-stream body silent for the idle timeout, measured from the last chunk', async () => {
    const clock = new ManualClock();
    const upstream = scripted();
    const settling = settleResponse(upstream.response, { stream: false, idleTimeoutMs: 100, clock });
    const failed = settling.catch((error: unknown) => error);
    await clock.advance(90);
    upstream.write('{"partial":');
    // 90 ms after that chunk is 180 ms after the start: past the first timer's due time, not past the silence limit.
    await clock.advance(90);
    expect(await Promise.race([failed, Promise.resolve('pending')])).toBe('pending');
    await clock.advance(10);
    expect(await failed).toMatchObject({ code: 'ERR_KEYMESH_STREAM_IDLE', name: 'StreamIdleTimeoutError' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails a non-stream body at the SDK deadline when it comes before the idle timeout', async () => {
    const clock = new ManualClock();
    const upstream = scripted();
    const deadlineError = new Error('request timed out');
    const settling = settleResponse(upstream.response, { stream: false, idleTimeoutMs: 100, deadline: { at: clock.now() + 150, error: () => deadlineError }, clock }).catch((e: unknown) => e);
    await clock.advance(80);
    upstream.write('a');
    await clock.advance(60);
    upstream.write('b');
    // 10 ms after the last chunk, far from the idle timeout, but at the deadline.
    await clock.advance(10);
    expect(await settling).toBe(deadlineError);
  });

  it('errors a stream silent after its first event while the caller waits, not while it does not read', async () => {
    const clock = new ManualClock();
    const upstream = scripted();
    upstream.write('data: 1\n\n');
    const settled = await settleResponse(upstream.response, { stream: true, idleTimeoutMs: 100, inspectFirstEvent: () => undefined, clock });
    // Nobody reads for a long time: that is the caller's pace, not upstream silence.
    await clock.advance(1_000);
    const reader = settled.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
    upstream.write('data: 2\n\n');
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 2\n\n');
    const next = reader.read();
    const outcome = next.then(() => 'read', (error: unknown) => error);
    await clock.advance(99);
    await settle();
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
    await clock.advance(1);
    expect(await outcome).toMatchObject({ code: 'ERR_KEYMESH_STREAM_IDLE' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves no timer behind when the caller cancels a stream', async () => {
    const clock = new ManualClock();
    const upstream = scripted();
    upstream.write('data: 1\n\n');
    const settled = await settleResponse(upstream.response, { stream: true, idleTimeoutMs: 100, inspectFirstEvent: () => undefined, clock });
    const reader = settled.body!.getReader();
    await reader.read();
    void reader.read().catch(() => {});
    await settle();
    expect(clock.pendingTimers).toBe(1);
    await reader.cancel('done');
    expect(clock.pendingTimers).toBe(0);
  });
});
