import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ModelLimits, QuotaOptions } from '../quota/quota-options.js';
import { SDK_PROVIDERS, type FakeSetMember, type FakeSetOptions, type SdkProviderName } from './fake-set.js';

/** A command line `keymesh-fakes` cannot run: printed with the usage, exit status 2. */
export class CliUsageError extends Error {
  readonly code = 'KEYMESH_FAKES_USAGE';
  override readonly name = 'CliUsageError';
}

export const USAGE = `Usage: keymesh-fakes [options]

Starts fake OpenAI, Anthropic and Gemini servers on 127.0.0.1 and prints the \`export\` lines
that point the SDKs at them (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GOOGLE_GEMINI_BASE_URL and
their API keys). Runs until interrupted (Ctrl-C, SIGTERM).

  --providers <list>     openai,anthropic,gemini (default: all three, or those in --config)
  --keys <list>          keys the fakes know (default: any key is answered)
  --latency-ms <n>       delay before every answer
  --host <host>          default 127.0.0.1
  --port <n>             first port; the next providers take n+1, n+2 (default: free ports)
  --write-env <path>     also write NAME=value lines there, for \`node --env-file=<path>\`
                         (Node reads an --env-file flag anywhere on its command line, hence the name)
  --config <file.json>   per-provider options of startFakeProvider, e.g.
                         { "openai": { "keys": { "sk-test-a": { "kind": "ok" } }, "quota": { … } } }
Quota mode (needs --keys; each key its own organisation unless --org groups them):
  --org <id>=<k1,k2>     keys that share an organisation's limits (repeatable)
  --rpm <n>              requests per window, every provider
  --tpm <n>              tokens per window (openai: prompt + max output; gemini: input)
  --itpm <n>, --otpm <n> input / output tokens per window (anthropic)
  --rpd <n>              requests per day window (gemini)
  --window-ms <n>        length of the "minute" window (default 60000)
  --help`;

export interface CliConfig {
  readonly fakes: FakeSetOptions;
  readonly envFile: string | undefined;
  readonly help: boolean;
}

const LIMIT_FLAGS: ReadonlyArray<readonly [flag: string, limit: keyof ModelLimits, providers: readonly SdkProviderName[]]> = [
  ['rpm', 'requestsPerMinute', ['openai', 'anthropic', 'gemini']],
  ['tpm', 'tokensPerMinute', ['openai', 'gemini']],
  ['itpm', 'inputTokensPerMinute', ['anthropic']],
  ['otpm', 'outputTokensPerMinute', ['anthropic']],
  ['rpd', 'requestsPerDay', ['gemini']],
];

/** Reads the command line into the fakes to start; a mistake throws a {@link CliUsageError} naming the fix. */
export function parseCli(argv: readonly string[]): CliConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        providers: { type: 'string' },
        keys: { type: 'string' },
        'latency-ms': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'write-env': { type: 'string' },
        config: { type: 'string' },
        org: { type: 'string', multiple: true },
        rpm: { type: 'string' },
        tpm: { type: 'string' },
        itpm: { type: 'string' },
        otpm: { type: 'string' },
        rpd: { type: 'string' },
        'window-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}. Run keymesh-fakes --help for the options.`);
  }
  if (values.help) return { fakes: {}, envFile: undefined, help: true };

  const fileOptions = values.config === undefined ? {} : readConfig(values.config);
  const providers = list(values.providers ?? (values.config === undefined ? SDK_PROVIDERS : Object.keys(fileOptions)).join(','));
  const wrong = providers.filter((p) => !(SDK_PROVIDERS as readonly string[]).includes(p));
  if (wrong.length > 0 || providers.length === 0) throw new CliUsageError(`--providers: unknown provider ${wrong.join(', ') || '(none)'}; use a list of ${SDK_PROVIDERS.join(', ')}`);
  const keys = values.keys === undefined ? [] : list(values.keys);
  const latencyMs = number(values['latency-ms'], '--latency-ms');
  const firstPort = number(values.port, '--port');
  const quota = quotaFrom(values, keys);

  const fakes: Record<string, FakeSetMember> = {};
  (providers as SdkProviderName[]).forEach((provider, i) => {
    const member: Record<string, unknown> = {};
    if (keys.length > 0) member['keys'] = Object.fromEntries(keys.map((k) => [k, { kind: 'ok' }]));
    else member['unknownKey'] = { kind: 'ok' };
    if (latencyMs !== undefined) member['latencyMs'] = latencyMs;
    if (values.host !== undefined) member['host'] = values.host;
    if (firstPort !== undefined) member['port'] = firstPort + i;
    const limits = quota && limitsFor(provider, quota.flags);
    if (quota && limits) member['quota'] = { organizations: quota.organizations, limits: { '*': limits }, ...(quota.windowMs ? { windowMs: quota.windowMs } : {}) } satisfies QuotaOptions;
    const own = fileOptions[provider] ?? {};
    // A file that says which keys exist decides what unknown keys get, too.
    if ('keys' in own || 'quota' in own) delete member['unknownKey'];
    fakes[provider] = { ...member, ...own } as FakeSetMember;
  });
  return { fakes, envFile: values['write-env'], help: false };
}

function quotaFrom(values: Record<string, unknown>, keys: readonly string[]) {
  const flags = Object.fromEntries(LIMIT_FLAGS.flatMap(([flag]) => (values[flag] === undefined ? [] : [[flag, number(values[flag] as string, `--${flag}`)!]])));
  const orgs = (values['org'] as string[] | undefined) ?? [];
  const windowMs = number(values['window-ms'] as string | undefined, '--window-ms');
  if (Object.keys(flags).length === 0) {
    if (orgs.length > 0 || windowMs !== undefined) throw new CliUsageError('--org and --window-ms set up quota mode: give at least one limit (--rpm, --tpm, --itpm, --otpm or --rpd)');
    return undefined;
  }
  if (keys.length === 0) throw new CliUsageError('quota mode needs the keys it limits: add --keys sk-test-a,sk-test-b');
  const organizations: Record<string, { keys: string[] }> = {};
  const placed = new Set<string>();
  for (const spec of orgs) {
    const match = /^([^=]+)=(.+)$/.exec(spec);
    if (!match) throw new CliUsageError(`--org ${spec}: write it as <id>=<key1,key2>`);
    const members = list(match[2]);
    for (const key of members) {
      if (!keys.includes(key)) throw new CliUsageError(`--org ${match[1]}: a key of an organisation must be in --keys too`);
      placed.add(key);
    }
    organizations[match[1]] = { keys: members };
  }
  keys.filter((key) => !placed.has(key)).forEach((key, i) => (organizations[`org-${i + 1}`] = { keys: [key] }));
  return { flags, organizations, windowMs };
}

function limitsFor(provider: SdkProviderName, flags: Record<string, number>): ModelLimits | undefined {
  const limits: Record<string, number> = {};
  for (const [flag, limit, providers] of LIMIT_FLAGS) if (flags[flag] !== undefined && providers.includes(provider)) limits[limit] = flags[flag];
  return Object.keys(limits).length > 0 ? (limits as ModelLimits) : undefined;
}

function readConfig(path: string): Partial<Record<SdkProviderName, FakeSetMember>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliUsageError(`--config ${path}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliUsageError(`--config ${path}: expected an object keyed by provider (${SDK_PROVIDERS.join(', ')})`);
  const wrong = Object.keys(parsed).filter((p) => !(SDK_PROVIDERS as readonly string[]).includes(p));
  if (wrong.length > 0) throw new CliUsageError(`--config ${path}: unknown provider ${wrong.join(', ')}; keys are ${SDK_PROVIDERS.join(', ')}`);
  return parsed as Partial<Record<SdkProviderName, FakeSetMember>>;
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 0)) throw new CliUsageError(`${flag} ${value}: expected a whole number >= 0`);
  return n;
}

