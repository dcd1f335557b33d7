import type { ServerResponse } from 'node:http';

/** An RFC 9457 problem answer written by the proxy itself (never upstream text). */
export function sendProblem(response: ServerResponse, status: number, slug: string, title: string, headers: Record<string, string> = {}): void {
  if (response.headersSent) return void response.destroy();
  const body = JSON.stringify({ type: `https://keymesh.dev/problems/${slug}`, title, status });
  response.writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}
