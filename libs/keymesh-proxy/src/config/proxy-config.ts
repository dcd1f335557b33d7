import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ConfigError, ErrorCodes, parseKeyList, type KeySpec } from '@keymesh/core';
import { invalidOption, unknownOption } from './proxy-config-error.js';

export type ProviderName = 'openai' | 'anthropic' | 'gemini';
export const providerNames: readonly ProviderName[] = ['openai', 'anthropic', 'gemini'];

/** The provider's official origin: the only place its keys go unless `baseURL` says otherwise. */
export const officialOrigins: Readonly<Record<ProviderName, string>> = {
  openai: 'https://api.openai.com',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
};

/** Where the environment holds each provider's comma-separated key list. */
export const keyListVariables: Readonly<Record<ProviderName, string>> = {
  openai: 'OPENAI_API_KEYS',
  anthropic: 'ANTHROPIC_API_KEYS',
  gemini: 'GEMINI_API_KEYS',
};

/** Keys inline, from an environment variable (comma-separated), or from a file (one per line or comma-separated). */
export type KeysSource = Array<string | KeySpec> | { env: string } | { file: string };

/** One provider in `keymesh.json`: its origin, its keys, and any KeyPool option (strategy, breaker, retry, …). */
export interface ProviderConfig {
  baseURL?: string;
  keys?: KeysSource;
  [poolOption: string]: unknown;
}

export interface ProxyLimits {
  /** Largest request body accepted (bodies are buffered: a retry on another key re-sends them). Default 20 MiB. */
  maxBodyBytes?: number;
  /** Largest request head (request line + headers). Default 32 KiB. */
  maxHeaderBytes?: number;
  /** A client must send its whole head within this. Default 10 s. */
  headersTimeoutMs?: number;
  /** A client must send its whole request (head and body) within this. Default 60 s. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** On SIGTERM/SIGINT, requests and streams in flight get this long to finish. Default 10 s. */
  shutdownTimeoutMs?: number;
}

/** The shape of `keymesh.json`. */
export interface ProxyConfigFile {
  port?: number;
  host?: string;
  /** Binding anything but a loopback address needs this (or `--allow-remote`), and then `token` is mandatory. */
  allowRemote?: boolean;
  /** Extra `Host` names accepted besides the loopback names of the bound port (needed behind a remote binding). */
  allowedHosts?: string[];
  /** The local token clients send; generated and stored at `tokenFile` when absent. */
  token?: string;
  tokenFile?: string;
  /** A Redis URL (or `{ url, prefix }`) for a fleet of proxies sharing one pool state. */
  redis?: string | { url: string; prefix?: string };
  providers?: Partial<Record<ProviderName, ProviderConfig>>;
  limits?: ProxyLimits;
}

export interface ResolvedProvider {
  name: ProviderName;
  baseURL: string;
  keys: Array<string | KeySpec>;
  poolOptions: Record<string, unknown>;
}

export interface ResolvedProxyConfig {
  port: number;
  host: string;
  loopback: boolean;
  allowedHosts: string[];
  token: string | undefined;
  tokenFile: string | undefined;
  redis: { url: string; prefix: string } | undefined;
  providers: ResolvedProvider[];
  limits: Required<ProxyLimits>;
}

/** What the command line may set over the file. */
export interface ConfigOverrides {
  port?: number;
  host?: string;
  allowRemote?: boolean;
}

const topLevel = ['port', 'host', 'allowRemote', 'allowedHosts', 'token', 'tokenFile', 'redis', 'providers', 'limits', '$schema'] as const;
const limitNames = ['maxBodyBytes', 'maxHeaderBytes', 'headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'shutdownTimeoutMs'] as const;
const defaultLimits: Required<ProxyLimits> = {
  maxBodyBytes: 20 * 2 ** 20,
  maxHeaderBytes: 32 * 2 ** 10,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  shutdownTimeoutMs: 10_000,
};
const minTokenLength = 24;

/** Reads and parses a config file; a missing or malformed file is a ConfigError naming the path. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `Cannot read the config file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); pass an existing file with --config.`, 'config');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(ErrorCodes.INVALID_OPTION, `The config file ${path} is not valid JSON (${(error as Error).message}).`, 'config');
  }
}

/**
 * Validates a config (the parsed file, or `{}`) and fills it from the environment:
 * `KEYMESH_PROXY_TOKEN`, `KEYMESH_PROXY_PORT`, `KEYMESH_PROXY_HOST`, `KEYMESH_PROXY_REDIS_URL`,
 * and each provider's key list (`OPENAI_API_KEYS`, …) for a provider the file names without keys
 * or does not name at all. Pool options are checked later by the pool itself.
 */
export function resolveConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): ResolvedProxyConfig {
  const file = objectAt(raw ?? {}, 'config') as ProxyConfigFile;
  checkNames(file, topLevel, '');
  const port = overrides.port ?? numberFrom(env.KEYMESH_PROXY_PORT, 'KEYMESH_PROXY_PORT') ?? file.port ?? 8787;
  checkInteger(port, 'port', 0, 65_535);
  const host = overrides.host ?? env.KEYMESH_PROXY_HOST ?? file.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw invalidOption('host', 'must be a host name or an IP address.');
  const loopback = isLoopback(host);
  const allowRemote = overrides.allowRemote ?? file.allowRemote ?? false;
  if (typeof allowRemote !== 'boolean') throw invalidOption('allowRemote', 'must be true or false.');
  const token = env.KEYMESH_PROXY_TOKEN ?? file.token;
  if (token !== undefined) {
    if (typeof token !== 'string' || token.length < minTokenLength || /\s/.test(token)) {
      throw invalidOption('token', `must be a string of at least ${minTokenLength} characters without spaces; omit it to have one generated.`);
    }
  }
  if (!loopback) {
    if (!allowRemote) throw invalidOption('host', `is ${host}, which is not a loopback address: the proxy holds your API keys, so binding another interface needs --allow-remote (or "allowRemote": true) and a configured token.`);
    if (token === undefined) throw invalidOption('token', `is required when binding ${host}: set "token" or KEYMESH_PROXY_TOKEN (a generated token is only for loopback use).`);
  }
  const allowedHosts = file.allowedHosts ?? [];
  if (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== 'string' || h === '')) throw invalidOption('allowedHosts', 'must be a list of host names.');
  if (file.tokenFile !== undefined && (typeof file.tokenFile !== 'string' || file.tokenFile === '')) throw invalidOption('tokenFile', 'must be a file path.');

  const limits = { ...defaultLimits };
  const givenLimits = objectAt(file.limits ?? {}, 'limits');
  checkNames(givenLimits, limitNames, 'limits');
  for (const name of limitNames) {
    const value = givenLimits[name];
    if (value === undefined) continue;
    checkInteger(value, `limits.${name}`, 1, Number.MAX_SAFE_INTEGER);
    limits[name] = value as number;
  }

  return {
    port,
    host,
    loopback,
    allowedHosts: allowedHosts.map((h) => h.toLowerCase()),
    token,
    tokenFile: file.tokenFile,
    redis: resolveRedis(env.KEYMESH_PROXY_REDIS_URL ?? file.redis),
    providers: resolveProviders(file.providers, env),
    limits,
  };
}

function resolveProviders(value: unknown, env: NodeJS.ProcessEnv): ResolvedProvider[] {
  const given = objectAt(value ?? {}, 'providers') as Record<string, unknown>;
  checkNames(given, providerNames, 'providers');
  const resolved: ResolvedProvider[] = [];
  for (const name of providerNames) {
    const variable = keyListVariables[name];
    if (given[name] === undefined) {
      if (env[variable] !== undefined && env[variable] !== '') resolved.push({ name, baseURL: officialOrigins[name], keys: parseKeyList(env[variable], variable), poolOptions: {} });
      continue;
    }
    const path = `providers.${name}`;
    const { baseURL, keys, ...poolOptions } = objectAt(given[name], path) as ProviderConfig;
    resolved.push({ name, baseURL: resolveOrigin(baseURL ?? officialOrigins[name], `${path}.baseURL`), keys: resolveKeys(keys ?? { env: variable }, `${path}.keys`, env), poolOptions });
  }
  if (resolved.length === 0) {
    throw new ConfigError(
      ErrorCodes.NO_KEYS,
      `No provider is configured: add "providers" to the config file, or set ${Object.values(keyListVariables).join(', ')} to comma-separated API keys.`,
      'providers',
    );
  }
  return resolved;
}

function resolveKeys(source: KeysSource, path: string, env: NodeJS.ProcessEnv): Array<string | KeySpec> {
  if (Array.isArray(source)) return source;
  const spec = objectAt(source, path) as { env?: unknown; file?: unknown };
  checkNames(spec, ['env', 'file'], path);
  if (typeof spec.env === 'string') return parseKeyList(env[spec.env], spec.env);
  if (typeof spec.file === 'string') {
    let text: string;
    try {
      text = readFileSync(spec.file, 'utf8');
    } catch (error) {
      throw invalidOption(path, `names the key file ${spec.file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    return parseKeyList(text.split(/[\r\n]+/).map((line) => line.trim()).filter(Boolean).join(','), `the key file ${spec.file}`);
  }
  throw invalidOption(path, 'must be a list of keys, { "env": "VARIABLE" } or { "file": "/path/to/keys" }.');
}

/** A provider origin: http(s), no path, query, credentials or fragment (keys go to exactly this origin). */
function resolveOrigin(value: unknown, path: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalidOption(path, 'must be an absolute URL such as https://api.openai.com.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidOption(path, 'must use https (or http for a local fake).');
  // Keys in cleartext may only cross the loopback interface (a local fake, a local gateway).
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) throw invalidOption(path, `must use https: http would send the pooled keys in cleartext to ${url.hostname} (http is allowed for loopback addresses only).`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw invalidOption(path, `must be the provider's origin only (for example ${url.origin}): the proxy appends /v1/… itself.`);
  }
  return url.origin;
}

function resolveRedis(value: unknown): { url: string; prefix: string } | undefined {
  if (value === undefined || value === '') return undefined;
  const spec = typeof value === 'string' ? { url: value } : (objectAt(value, 'redis') as { url?: unknown; prefix?: unknown });
  checkNames(spec, ['url', 'prefix'], 'redis');
  if (typeof spec.url !== 'string' || !/^rediss?:\/\//.test(spec.url)) throw invalidOption('redis', 'must be a redis:// or rediss:// URL (or { "url": …, "prefix": … }).');
  if (spec.prefix !== undefined && typeof spec.prefix !== 'string') throw invalidOption('redis.prefix', 'must be a string.');
  return { url: spec.url, prefix: (spec.prefix as string | undefined) ?? 'keymesh-proxy:' };
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidOption(path, 'must be an object.');
  return value as Record<string, unknown>;
}

function checkNames(object: object, allowed: readonly string[], path: string): void {
  for (const name of Object.keys(object)) if (!allowed.includes(name)) throw unknownOption(path, name, allowed);
}

function checkInteger(value: unknown, path: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidOption(path, `must be a whole number from ${min} to ${max}.`);
}

function numberFrom(value: string | undefined, variable: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw invalidOption(variable, 'must be a whole number.');
  return n;
}
