#!/usr/bin/env node
// keymesh-fakes: starts the fakes and prints the environment that points the SDKs at them.
import { writeFileSync } from 'node:fs';
import { CliUsageError, USAGE, parseCli } from './cli-args.js';
import { SDK_PROVIDERS, startFakes } from './fake-set.js';

/** `export NAME='value'` with the value single-quoted for POSIX shells. */
const exportLine = (name: string, value: string): string => `export ${name}='${value.replaceAll("'", `'\\''`)}'`;

async function main(argv: readonly string[]): Promise<void> {
  const config = parseCli(argv);
  if (config.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const fakes = await startFakes(config.fakes);
  const env = Object.entries(fakes.env);
  if (config.envFile !== undefined) writeFileSync(config.envFile, env.map(([name, value]) => `${name}=${value}\n`).join(''));
  process.stdout.write(env.map(([name, value]) => `${exportLine(name, value)}\n`).join(''));
  const where = SDK_PROVIDERS.flatMap((name) => (fakes[name] ? [`${name} ${fakes[name].url}`] : [])).join(', ');
  process.stderr.write(`# keymesh-fakes: ${where}. Ctrl-C stops them.\n`);
  const stop = (): void => {
    void fakes.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliUsageError) {
    process.stderr.write(`keymesh-fakes: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`keymesh-fakes: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
