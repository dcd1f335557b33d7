import type { SdkFakeProviderOptions } from '../options.js';
import { startFakeProvider, type FakeProvider } from '../server.js';

export type SdkProviderName = SdkFakeProviderOptions['provider'];
export const SDK_PROVIDERS: readonly SdkProviderName[] = ['openai', 'anthropic', 'gemini'];

/** Options of one fake of a set: those of `startFakeProvider`, without `provider`. */
export type FakeSetMember = Omit<SdkFakeProviderOptions, 'provider'>;

/** Which fakes to start: `true` for defaults (any key answers `ok`), or that fake's options. */
export type FakeSetOptions = { readonly [P in SdkProviderName]?: FakeSetMember | boolean };

/** Running fakes, one per provider asked for. */
export type FakeSet = { readonly [P in SdkProviderName]?: FakeProvider } & {
  /** `envFor(this)`: the environment that points each SDK at its fake. */
  readonly env: Readonly<Record<string, string>>;
  /** Closes every fake; safe to call twice. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/** The key an SDK gets from the environment when a fake was given none: fakes started with `true` answer any key. */
export const PLACEHOLDER_KEY = 'sk-test-keymesh-fakes';

/**
 * Starts a fake per provider named in `options`, on free ports unless `port` says otherwise.
 * A fake given as `true` accepts any key (`unknownKey: { kind: 'ok' }`).
 */
export async function startFakes(options: FakeSetOptions): Promise<FakeSet> {
  const names = SDK_PROVIDERS.filter((name) => options[name] !== undefined && options[name] !== false);
  const unknown = Object.keys(options).filter((name) => !(SDK_PROVIDERS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new TypeError(`startFakes: unknown provider(s) ${unknown.join(', ')}; known: ${SDK_PROVIDERS.join(', ')}`);
  if (names.length === 0) throw new TypeError(`startFakes: name at least one provider, e.g. { openai: true }`);
  const fakes: Partial<Record<SdkProviderName, FakeProvider>> = {};
  const close = async () => {
    await Promise.all(Object.values(fakes).map((fake) => fake.close()));
  };
  try {
    for (const name of names) {
      const member = options[name];
      const own = member === true || member === undefined || member === false ? { unknownKey: { kind: 'ok' } as const } : member;
      fakes[name] = await startFakeProvider({ ...own, provider: name });
    }
  } catch (error) {
    await close();
    throw error;
  }
  const set = { ...fakes, close, [Symbol.asyncDispose]: close } as Omit<FakeSet, 'env'>;
  return Object.assign(set, { env: envFor(Object.values(fakes)) });
}

/**
 * The environment variables the SDKs read their base URL (and key) from, pointing at `fakes`:
 * `OPENAI_BASE_URL` + `OPENAI_API_KEY` (openai), `ANTHROPIC_BASE_URL` + `ANTHROPIC_API_KEY`
 * (@anthropic-ai/sdk), `GOOGLE_GEMINI_BASE_URL` + `GEMINI_API_KEY` and `GOOGLE_API_KEY`
 * (@google/genai, which prefers `GOOGLE_API_KEY` when both are set), with
 * `GOOGLE_GENAI_USE_VERTEXAI=false` so genai does not switch to Vertex. The key is the fake's
 * first configured key, else {@link PLACEHOLDER_KEY}.
 */
export function envFor(fakes: FakeProvider | Iterable<FakeProvider> | Omit<FakeSet, 'env'>): Record<string, string> {
  const list: FakeProvider[] = isFake(fakes)
    ? [fakes]
    : Symbol.iterator in fakes
      ? [...(fakes as Iterable<FakeProvider>)]
      : SDK_PROVIDERS.flatMap((name) => ((fakes as FakeSet)[name] ? [(fakes as FakeSet)[name] as FakeProvider] : []));
  const env: Record<string, string> = {};
  for (const fake of list) {
    const key = fake.keys[0] ?? PLACEHOLDER_KEY;
    switch (fake.provider) {
      case 'openai':
        Object.assign(env, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: key });
        break;
      case 'anthropic':
        Object.assign(env, { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: key });
        break;
      case 'gemini':
        Object.assign(env, { GOOGLE_GEMINI_BASE_URL: fake.url, GEMINI_API_KEY: key, GOOGLE_API_KEY: key, GOOGLE_GENAI_USE_VERTEXAI: 'false' });
        break;
      case 'http':
        throw new TypeError('envFor: the http fake has no SDK environment variables; pass its `url` to your client yourself');
    }
  }
  return env;
}

function isFake(value: unknown): value is FakeProvider {
  return value !== null && typeof value === 'object' && 'provider' in value && 'url' in value && typeof (value as FakeProvider).close === 'function';
}
