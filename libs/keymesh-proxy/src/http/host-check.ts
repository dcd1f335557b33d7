/**
 * Accepts a request only when its `Host` names this proxy: the loopback names with the bound
 * port (and `allowedHosts`). A web page that rebinds its own DNS name to 127.0.0.1 sends its own
 * name as `Host`, so this stops DNS-rebinding pages from reaching the pool even before the token
 * check; absolute-form and foreign hosts never get a hop towards a provider.
 */
export function hostChecker(port: number, allowedHosts: readonly string[]): (host: string | undefined) => boolean {
  const allowed = new Set<string>();
  for (const host of allowedHosts) {
    const name = host.toLowerCase();
    allowed.add(name);
    // A name without a port is accepted with the bound port too.
    if (!/:\d+$/.test(name)) allowed.add(`${name}:${port}`);
  }
  for (const name of ['127.0.0.1', 'localhost', '[::1]']) {
    allowed.add(`${name}:${port}`);
    if (port === 80) allowed.add(name);
  }
  return (host) => host !== undefined && allowed.has(host.toLowerCase());
}
