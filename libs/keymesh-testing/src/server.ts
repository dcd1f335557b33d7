import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { toScript, type BehaviourKind, type KeyBehaviour } from './behaviour.js';
import { KeyTable, type Decision } from './key-table.js';
import { QuotaLedger } from './quota/quota-ledger.js';
import { requestCost } from './quota/request-cost.js';
import { resolveOptions, type FakeProviderOptions, type ResolvedOptions } from './options.js';
import {
  findCredentials,
  parseBody,
  recordableHeaders,
  retryCountOf,
  stripCredentialQuery,
  type MutableRecordedRequest,
  type RecordedRequest,
} from './recorded-request.js';
import { respond, type Plan } from './responder.js';
import type { ProviderName, WireContext, WireRequest } from './wire.js';

/** A running fake provider. */
export interface FakeProvider {
  readonly provider: ProviderName;
  /**
   * The base URL to give the SDK: openai `${origin}/v1` (its `baseURL` includes the version),
   * anthropic, gemini and http the bare origin.
   */
  readonly url: string;
  /** `http://host:port`, no trailing slash. */
  readonly origin: string;
  readonly port: number;
  /** The keys the fake was given (in `keys` or a quota organisation), in that order; `setKey` adds to it. */
  readonly keys: readonly string[];
  /** Every request so far, oldest first (a live view: `reset()` empties it). */
  readonly requests: readonly RecordedRequest[];
  /** Requests made with `key` (undefined: requests without a credential). */
  requestsFor(key: string | undefined): RecordedRequest[];
  countFor(key: string | undefined): number;
  /** Replaces a key's behaviour (or adds a key); its script position and windows start over. */
  setKey(key: string, behaviour: KeyBehaviour): void;
  /**
   * A provider-wide outage: for `forMs` on the fake's clock, every request (whatever its key) gets
   * the provider's answer for `status` (default 503). Key scripts and quota windows do not move.
   * `outage({ forMs: 0 })` ends one early.
   */
  outage(options: { readonly forMs: number; readonly status?: number }): void;
  /** Clears recorded requests, rate-limit and quota windows, script positions and any outage; behaviours stay. */
  reset(): void;
  /**
   * Stops listening and destroys every open socket, stalled ones included, so no test waits on a
   * connection the fake left open. Resolves once the server is closed; safe to call twice.
   */
  close(): Promise<void>;
  /** `close()`, for `await using fake = await startFakeProvider(...)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Behaviours whose requests reach the endpoint, and so draw on a quota; the others answer before it. */
const REACHES_ENDPOINT: ReadonlySet<BehaviourKind> = new Set<BehaviourKind>(['ok', 'stall_body', 'stream_drop', 'stream_stall', 'stream_error']);

/** Starts a fake provider on 127.0.0.1 (a free port unless `port` is given). */
export async function startFakeProvider(options: FakeProviderOptions): Promise<FakeProvider> {
  const config = resolveOptions(options);
  const table = new KeyTable(config.scripts, config.unknownKeyScript);
  const ledger = config.quota ? new QuotaLedger(config.wire.name, config.quota, config.clock()) : undefined;
  let outage: { readonly until: number; readonly status: number } | undefined;
  const requests: MutableRecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const inFlight = new Set<AbortController>();
  let sequence = 0;
  let closing: Promise<void> | undefined;

  const server = createServer();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that hangs up mid-request is normal here (timeouts, aborts); never crash on it.
  server.on('clientError', (_error, socket) => socket.destroy());
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const aborted = new AbortController();
    inFlight.add(aborted);
    res.on('close', () => {
      aborted.abort();
      inFlight.delete(aborted);
    });
    res.on('error', () => undefined);
    handle(req, res, aborted.signal).catch(() => req.socket.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const sources = config.wire.credentialSources;
    const keys = findCredentials(sources, req.headers, url.searchParams);
    stripCredentialQuery(sources, url.searchParams);
    const request: WireRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: parseBody(raw) };
    const now = config.clock();
    const key = keys[0];
    const down = outage !== undefined && now < outage.until ? outage : undefined;
    const decision: Decision | undefined = down
      ? { behaviour: { kind: 'status', status: down.status }, rate: { limit: 0, remaining: 0, resetMs: 0 }, limited: false }
      : key === undefined
        ? undefined
        : table.decide(key, now);
    const limits = key !== undefined && decision ? limitsOf(key, decision, request, now) : undefined;
    const record: MutableRecordedRequest = {
      key,
      keyCount: keys.length,
      method: request.method,
      path: request.path,
      query: Object.fromEntries(url.searchParams),
      headers: recordableHeaders(sources, req.headers),
      body: request.body,
      stream: config.wire.isStream(request),
      retryCount: retryCountOf(req.headers),
      at: now,
      behaviour: decision?.behaviour.kind,
      status: undefined,
    };
    requests.push(record);

    const behaviour = decision?.behaviour;
    if (!(await sleep(behaviour?.latencyMs ?? config.latencyMs, signal))) return;
    const text = behaviour && (behaviour.kind === 'ok' || behaviour.kind === 'rate_limit') ? behaviour.text : undefined;
    sequence += 1;
    const ctx: WireContext = {
      request,
      requestId: `fake${sequence.toString(36).padStart(8, '0')}`,
      now,
      text: text ?? config.text,
      models: config.models,
      pageSize: config.pageSize,
    };
    respond({ req, res, onStatus: (status) => (record.status = status) }, config.wire, { decision, key, hints: config.hints, ctx, limits });
  }

  /** The quota verdict for a key of an organisation whose behaviour lets the request reach the endpoint. */
  function limitsOf(key: string, decision: Decision, request: WireRequest, now: number): Plan['limits'] {
    const organization = ledger?.organizationOf(key);
    if (!ledger || !config.quota || organization === undefined || !REACHES_ENDPOINT.has(decision.behaviour.kind)) return undefined;
    const cost = requestCost(config.wire.name, request, config.quota.defaultMaxOutputTokens);
    return { verdict: cost && ledger.take(organization, cost, now) };
  }

  await listen(server, config);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const origin = `http://${host}:${port}`;

  const fake: FakeProvider = {
    provider: config.wire.name,
    url: origin + config.wire.basePath,
    origin,
    port,
    get keys() {
      return table.keys();
    },
    requests,
    requestsFor: (key) => requests.filter((r) => r.key === key),
    countFor: (key) => requests.reduce((n, r) => (r.key === key ? n + 1 : n), 0),
    setKey(key, behaviour) {
      if (typeof key !== 'string' || key === '') throw new TypeError('setKey: key must be a non-empty string');
      table.set(key, toScript(behaviour, `setKey(${JSON.stringify(key)})`));
    },
    outage({ forMs, status = 503 }) {
      if (!(Number.isFinite(forMs) && forMs >= 0)) throw new RangeError(`outage: forMs must be a finite number >= 0, got ${forMs}`);
      if (!(Number.isInteger(status) && status >= 500 && status <= 599)) throw new RangeError(`outage: status must be a 5xx status, got ${status}`);
      outage = { until: config.clock() + forMs, status };
    },
    reset() {
      requests.length = 0;
      table.clear();
      ledger?.clear(config.clock());
      outage = undefined;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const controller of inFlight) controller.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
    [Symbol.asyncDispose]: () => fake.close(),
  };
  return fake;
}

function listen(server: Server, config: ResolvedOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // A socket destroyed mid-body (client gone, fake closing) may end without 'end' or 'error'.
    req.on('close', () => reject(new Error('request closed before its body was read')));
  });
}

/** Resolves true after `ms`, or false as soon as the exchange is abandoned (client gone, fake closing). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
