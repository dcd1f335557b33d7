import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/** Addresses a listener can bind that only this machine reaches. */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** `localhost`, `*.localhost`, `127.x.y.z` and `[::1]`, with or without a port. */
function isLoopbackHostHeader(value: string | undefined): boolean {
  if (!value) return false;
  const host = value.startsWith('[') ? value.slice(1, value.indexOf(']')) : value.replace(/:\d+$/, '');
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}

const REFUSED = JSON.stringify({
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
  detail: 'This demo listens on loopback and answers only loopback host names (localhost, 127.0.0.1, [::1]); start it with HOST set to serve others.',
});

/**
 * Refuses requests whose `Host` is not a loopback name, for a server that listens on loopback.
 * A web page on another site can make the browser resolve its own domain to 127.0.0.1 (DNS
 * rebinding) and then reach `/chat` and `/events` as same-origin requests; its `Host` header still
 * names that domain, which is how it is told apart from the user's own tab.
 */
export function loopbackHostOnly(): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    if (isLoopbackHostHeader(req.headers.host)) return next();
    res.writeHead(403, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
    res.end(REFUSED);
  };
}
