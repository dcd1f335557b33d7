import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { healthReport, poolOf, type KeyPool, type StateStore } from '@keymesh/core';
import { keymeshFetch } from '@keymesh/core/fetch';
import { defaultTokenFile, loadLocalToken, tokenMatcher, type LocalToken } from './auth/local-token.js';
import { presentedCredentials } from './auth/presented-credential.js';
import type { ProviderName, ResolvedProvider, ResolvedProxyConfig } from './config/proxy-config.js';
import { readBody, sendAnswer, upstreamHeaders } from './http/forward.js';
import { hostChecker } from './http/host-check.js';
import { sendProblem } from './http/problem.js';
import { upstreamFetch } from './http/upstream-fetch.js';
import { parseTarget, type Route } from './http/request-target.js';
import { silentLogger, type ProxyLogger } from './log.js';
import { ProxyMetrics } from './metrics/proxy-metrics.js';
import { openStore } from './store.js';

type PooledFetch = (input: string, init: RequestInit) => Promise<Response>;

export interface StartProxyOptions {
  logger?: ProxyLogger;
  /** A shared store for every provider's pool (overrides `config.redis`; tests pass one). */
  store?: StateStore;
  /** Where a generated token is kept when the config names no `tokenFile`. Default: `~/.config/keymesh-proxy/token`. */
  tokenFile?: string;
  /** One log line per request (method, route, status, duration). Default false: lifecycle, warnings and errors only. */
  logRequests?: boolean;
}

export interface RunningProxy {
  /** `http://<host>:<port>` as bound. */
  readonly url: string;
  readonly port: number;
  readonly token: LocalToken;
  readonly pools: Readonly<Partial<Record<ProviderName, KeyPool>>>;
  /** Stops accepting, lets requests and streams in flight finish up to `limits.shutdownTimeoutMs`, then closes the pools and the store. */
  close(): Promise<void>;
}

/** Starts the proxy: one pool per configured provider behind `/openai/v1/*`, `/anthropic/v1/*`, `/gemini/v1beta/*`. */
export async function startProxy(config: ResolvedProxyConfig, options: StartProxyOptions = {}): Promise<RunningProxy> {
  const logger = options.logger ?? silentLogger;
  const logRequests = options.logRequests ?? false;
  const token = loadLocalToken(config.token, config.tokenFile ?? options.tokenFile ?? defaultTokenFile());
  const store = options.store ?? (config.redis ? await openStore(config.redis, logger) : undefined);
  const ownsStore = options.store === undefined && store !== undefined;
  const fetches = new Map<ProviderName, { fetch: PooledFetch; origin: string }>();
  const pools: Partial<Record<ProviderName, KeyPool>> = {};
  const metrics = new ProxyMetrics();
  // One keep-alive transport for every provider's upstream calls (node:http, not undici's fetch: see upstream-fetch.ts).
  const transport = upstreamFetch();
  try {
    for (const provider of config.providers) {
      const fetch = pooledFetch(provider, store, transport.fetch);
      fetches.set(provider.name, { fetch, origin: provider.baseURL });
      const pool = poolOf(fetch);
      pools[provider.name] = pool;
    }
  } catch (error) {
    await Promise.all(Object.values(pools).map((pool) => pool.close()));
    transport.close();
    if (ownsStore) await store?.close?.();
    throw error;
  }

  metrics.watch(pools as Record<string, KeyPool>);
  const matches = tokenMatcher(token.token);
  const inFlight = new Set<Promise<void>>();
  let hostAllowed: (host: string | undefined) => boolean = () => false;
  let closing = false;

  const server: Server = createServer(
    {
      maxHeaderSize: config.limits.maxHeaderBytes,
      headersTimeout: config.limits.headersTimeoutMs,
      requestTimeout: config.limits.requestTimeoutMs,
      keepAliveTimeout: config.limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above on this interval (30 s by default): check often enough to honour them.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(config.limits.headersTimeoutMs / 2))),
    },
    (request, response) => {
      const handled = handle(request, response).catch((error: unknown) => {
        logger.error('request failed inside the proxy', { error: (error as Error)?.name ?? 'Error' });
        sendProblem(response, 500, 'proxy-error', 'The proxy failed to handle this request');
      });
      inFlight.add(handled);
      void handled.finally(() => inFlight.delete(handled));
    },
  );

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    let routeName = 'refused';
    response.on('finish', () => {
      metrics.answered(routeName, response.statusCode);
      if (logRequests) logger.info('request', { method: request.method, route: routeName, status: response.statusCode, ms: Math.round(performance.now() - startedAt) });
    });
    if (closing) return sendProblem(response, 503, 'shutting-down', 'The proxy is shutting down', { connection: 'close' });
    if (!hostAllowed(request.headers.host)) return sendProblem(response, 421, 'foreign-host', 'This proxy does not answer for that Host');
    const route = parseTarget(request.url);
    if ('refused' in route && route.status === 400) return sendProblem(response, 400, 'bad-target', `Refused: ${route.reason}`);
    const search = new URLSearchParams(request.url!.includes('?') ? request.url!.slice(request.url!.indexOf('?') + 1) : '');
    if (!presentedCredentials(request.headers, search).some(matches)) {
      return sendProblem(response, 401, 'unauthorized', 'Send the proxy\'s local token as "Authorization: Bearer <token>" (or in the provider\'s key header)', { 'www-authenticate': 'Bearer realm="keymesh-proxy"' });
    }
    if ('refused' in route) return sendProblem(response, route.status, 'no-route', `Not found: ${route.reason}`);
    routeName = route.kind === 'provider' ? route.provider : route.kind;
    if (route.kind === 'health') return sendHealth(response);
    if (route.kind === 'metrics') {
      const text = await metrics.render();
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      return void response.end(text);
    }
    return forward(route, request, response);
  }

  function sendHealth(response: ServerResponse): void {
    const report = healthReport(pools as Record<string, KeyPool>);
    const body = JSON.stringify(report);
    response.writeHead(report.status === 'up' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(body);
  }

  async function forward(route: Extract<Route, { kind: 'provider' }>, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = fetches.get(route.provider);
    if (target === undefined) return sendProblem(response, 404, 'provider-not-configured', `The ${route.provider} provider is not configured in this proxy`);
    const method = request.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(request, config.limits.maxBodyBytes);
    if (body === null) return sendProblem(response, 413, 'body-too-large', `The request body is larger than limits.maxBodyBytes (${config.limits.maxBodyBytes} bytes)`, { connection: 'close' });
    // The client's credential never goes upstream: the pool puts its key on the request.
    for (const name of [...route.search.keys()]) if (name.toLowerCase() === 'key') route.search.delete(name);
    const query = route.search.toString();
    const controller = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) controller.abort(new Error('the client went away'));
    };
    response.on('close', onClose);
    let upstream: Response;
    try {
      upstream = await target.fetch(`${target.origin}${route.upstreamPath}${query ? `?${query}` : ''}`, {
        method,
        headers: upstreamHeaders(request),
        body: body === undefined || body.length === 0 ? undefined : body,
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      // Never the error's text: it may quote upstream content.
      logger.warn('upstream call failed', { provider: route.provider, error: (error as Error)?.name ?? 'Error', code: (error as { code?: unknown })?.code });
      return sendProblem(response, 502, 'upstream-unreachable', `The ${route.provider} API could not be reached`);
    }
    if (upstream.status >= 300 && upstream.status < 400 && upstream.status !== 304) {
      // A client following it would take its credential headers (the local token) to wherever it
      // points, outside the pool: the proxy never relays a redirect it did not follow itself.
      await upstream.body?.cancel();
      response.off('close', onClose);
      logger.warn('upstream answered with a redirect; not relayed', { provider: route.provider, status: upstream.status });
      return sendProblem(response, 502, 'upstream-redirect', `The ${route.provider} API answered with a redirect, which the proxy does not relay (check the provider's baseURL)`);
    }
    try {
      await sendAnswer(response, upstream);
    } catch {
      // The upstream broke mid-body: cut the client's connection so the truncated answer never looks complete.
      response.destroy();
    } finally {
      response.off('close', onClose);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  hostAllowed = hostChecker(port, config.loopback ? [] : config.allowedHosts.length > 0 ? config.allowedHosts : [config.host]);
  const shownHost = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    token,
    pools,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = new Promise<'timeout'>((resolve) => setTimeout(resolve, config.limits.shutdownTimeoutMs, 'timeout').unref());
        if ((await Promise.race([Promise.allSettled([...inFlight]), deadline])) === 'timeout') {
          logger.warn('shutdown deadline reached; closing the connections still open', { inFlight: inFlight.size });
        }
        server.closeAllConnections();
        await stopped;
        await metrics.close();
        await Promise.all(Object.values(pools).map((pool) => pool.close()));
        transport.close();
        if (ownsStore) await store?.close?.();
      })();
      return closed;
    },
  };
}

function pooledFetch(provider: ResolvedProvider, store: StateStore | undefined, transport: typeof fetch): PooledFetch {
  return keymeshFetch({
    fetch: transport,
    ...provider.poolOptions,
    name: (provider.poolOptions.name as string | undefined) ?? provider.name,
    provider: provider.name,
    keys: provider.keys,
    baseURL: provider.baseURL,
    ...(store ? { store } : {}),
  } as Parameters<typeof keymeshFetch>[0]) as PooledFetch;
}
