import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

const cleanups: Array<() => unknown> = [];

// Every spec that uses the harness gets its servers, fakes and pools closed after each test, even
// when an assertion failed half-way.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test. */
export function defer(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

/** Tracks anything with `close()` (fakes, meshes) for closing after the test, and returns it. */
export function closing<T extends { close(): unknown }>(value: T): T {
  defer(() => value.close());
  return value;
}

/** Listens on a free port of 127.0.0.1; the server and its sockets are gone after the test. */
export async function listen(app: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  defer(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Polls until `condition` holds (fails the test after `timeoutMs`). */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses an SSE body into the `data:` payloads. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .map((frame) => frame.trim())
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice('data: '.length));
}
