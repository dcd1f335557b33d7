import type { Server } from 'node:http';

/**
 * Node's defaults give a client 60 s to send its headers and 300 s to send a body, which lets a
 * handful of slow senders hold sockets open for minutes. The demo's requests are small JSON
 * bodies: headers within 10 s, the whole request within 15 s. Responses are not limited (an SSE
 * answer or the dashboard's event stream may last as long as it likes); idle keep-alive
 * connections close after 5 s.
 */
export const DEMO_SERVER_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 15_000, keepAliveTimeoutMs: 5_000 } as const;

export function tightenServerTimeouts(server: Server): void {
  server.headersTimeout = DEMO_SERVER_TIMEOUTS.headersTimeoutMs;
  server.requestTimeout = DEMO_SERVER_TIMEOUTS.requestTimeoutMs;
  server.keepAliveTimeout = DEMO_SERVER_TIMEOUTS.keepAliveTimeoutMs;
}
