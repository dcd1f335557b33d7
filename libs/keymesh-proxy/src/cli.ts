#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isConfigError } from '@keymesh/core';
import { defaultTokenFile, loadLocalToken } from './auth/local-token.js';
import { readConfigFile, resolveConfig, type ConfigOverrides } from './config/proxy-config.js';
import { jsonLogger } from './log.js';
import { exportLines, proxyEnvironment } from './print-env.js';
import { startProxy } from './proxy-server.js';

/** Exit codes (sysexits.h), so a supervisor can tell a bad config from a taken port. */
const exitCodes = { ok: 0, usage: 64, unavailable: 69, software: 70, config: 78 } as const;

const usage = `Usage: keymesh-proxy [--config keymesh.json] [--port 8787] [--host 127.0.0.1] [--allow-remote] [--log-requests] [--print-env]

  --config FILE    providers, keys, pool options, token, redis (JSON; see the README)
  --port N         port to listen on (default 8787, or the config's "port")
  --host H         address to bind (default 127.0.0.1; another address needs --allow-remote and a token)
  --allow-remote   allow binding a non-loopback address
  --log-requests   one JSON log line per request (method, route, status, duration)
  --print-env      print the export lines that point the OpenAI, Anthropic and Gemini SDKs
                   (Node and Python) at this proxy, then exit

Keys may also come from OPENAI_API_KEYS, ANTHROPIC_API_KEYS and GEMINI_API_KEYS (comma-separated).
Exit codes: 0 stopped cleanly, 64 bad flags, 69 cannot listen, 70 internal error, 78 bad configuration.`;

async function main(argv: string[]): Promise<number> {
  const logger = jsonLogger();
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'allow-remote': { type: 'boolean' },
        'print-env': { type: 'boolean' },
        'log-requests': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`keymesh-proxy: ${(error as Error).message}\n\n${usage}\n`);
    return exitCodes.usage;
  }
  if (flags.help) return void process.stdout.write(`${usage}\n`), exitCodes.ok;
  if (flags.version) {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    return void process.stdout.write(`${version}\n`), exitCodes.ok;
  }
  const overrides: ConfigOverrides = {};
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      process.stderr.write(`keymesh-proxy: --port must be a whole number from 0 to 65535\n`);
      return exitCodes.usage;
    }
    overrides.port = port;
  }
  if (flags.host !== undefined) overrides.host = flags.host;
  if (flags['allow-remote']) overrides.allowRemote = true;

  let config;
  try {
    config = resolveConfig(flags.config === undefined ? {} : readConfigFile(flags.config), process.env, overrides);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    process.stderr.write(`keymesh-proxy: ${error.message} (${error.code})\n`);
    return exitCodes.config;
  }

  if (flags['print-env']) {
    const token = loadLocalToken(config.token, config.tokenFile ?? defaultTokenFile());
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    process.stdout.write(`${exportLines(proxyEnvironment(`http://${host}:${config.port}`, token.token, config.providers.map((p) => p.name)))}\n`);
    return exitCodes.ok;
  }

  // Signal handlers go in before the server starts, so a stop that arrives during start-up is not lost.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
    let requested: string | undefined;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn('second signal: exiting at once', { signal });
        return resolve(130);
      }
      stopping = true;
      logger.info('shutting down', { signal });
      if (proxy === undefined) return void (requested = signal);
      proxy.close().then(() => resolve(exitCodes.ok), () => resolve(exitCodes.software));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    startProxy(config, { logger, logRequests: flags['log-requests'] === true }).then(
      (started) => {
        proxy = started;
        if (started.token.source === 'generated') {
          // Shown once, at the start that created it, and only on a terminal: stderr is the log
          // stream (a journal keeps it), and the token belongs in the file alone.
          const shown = process.stderr.isTTY ? `:\n  ${started.token.token}\n` : '; `keymesh-proxy --print-env` prints it for your clients.\n';
          process.stderr.write(`keymesh-proxy: generated a local token and stored it in ${started.token.file} (mode 0600)${shown}`);
        }
        logger.info('listening', { url: started.url, providers: Object.keys(started.pools), token: started.token.source, redis: config.redis !== undefined });
        if (requested !== undefined) started.close().then(() => resolve(exitCodes.ok), () => resolve(exitCodes.software));
      },
      (error: unknown) => {
        if (isConfigError(error)) {
          process.stderr.write(`keymesh-proxy: ${error.message} (${error.code})\n`);
          return resolve(exitCodes.config);
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
          process.stderr.write(`keymesh-proxy: cannot listen on ${config.host}:${config.port} (${code})\n`);
          return resolve(exitCodes.unavailable);
        }
        process.stderr.write(`keymesh-proxy: internal error while starting (${(error as Error)?.name ?? 'Error'})\n`);
        resolve(exitCodes.software);
      },
    );
  });
  return stopped;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`keymesh-proxy: internal error (${(error as Error)?.name ?? 'Error'})\n`);
    process.exit(exitCodes.software);
  },
);
