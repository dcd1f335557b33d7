import type { SharedPoolOptions } from '@keymesh/core';
import { startFakeProvider, type FakeProvider } from '@keymesh/testing';
import { DEMO_FAKE_SCRIPT, type FakeKey, type FakeQuotas, type FakeScript } from './fake-script.js';
import { DEFAULT_MODELS } from './models.js';
import { PROVIDERS, type ProviderUpstream, type Upstream } from './upstream.js';

/**
 * Pool options for the fakes: a breaker that reopens after 5 s instead of 30 s, so a newcomer
 * watching the dashboard sees a circuit open and close again without waiting half a minute.
 */
export const FAKE_POOL_DEFAULTS: SharedPoolOptions = { breaker: { failureThreshold: 3, cooldownMs: 5_000 } };

export interface FakeUpstreamOptions {
  /** Pool options; tests pass shorter cooldowns. */
  poolDefaults?: Upstream['poolDefaults'];
  /** Reply text of every fake. */
  text?: string;
  /** Quota mode per provider (the keys name their `organization`); the demo's script comes with DEMO_FAKE_QUOTAS. */
  quotas?: FakeQuotas;
}

const DEMO_TEXT = 'Hello from the fake provider! Keymesh picked a key that could serve, so you never saw the 429s behind this answer.';

/**
 * Starts one fake server of @keymesh/testing per provider of `script`, on 127.0.0.1 and a free
 * port, and points the provider at it. Nothing leaves the machine.
 */
export async function startFakeUpstream(script: FakeScript = DEMO_FAKE_SCRIPT, options: FakeUpstreamOptions = {}): Promise<Upstream> {
  const fakes: FakeProvider[] = [];
  const close = async () => {
    await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  };
  const providers: ProviderUpstream[] = [];
  try {
    for (const name of PROVIDERS) {
      const keys = script[name];
      if (!keys?.length) continue;
      const fake = await startFakeProvider({
        provider: name,
        text: options.text ?? DEMO_TEXT,
        keys: Object.fromEntries(keys.map((key) => [key.secret, key.behaviour])),
        ...quotaOf(keys, options.quotas?.[name]),
      });
      fakes.push(fake);
      providers.push({
        name,
        baseURL: fake.url,
        model: DEFAULT_MODELS[name],
        keys: keys.map(({ id, secret }) => ({ id, secret })),
        scripts: Object.fromEntries(keys.map((key) => [key.id, key.script])),
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { mode: 'fake', providers, poolDefaults: options.poolDefaults ?? FAKE_POOL_DEFAULTS, close };
}

/** The fake's quota option: the keys that name an organisation, grouped by it, with its limits. */
function quotaOf(keys: FakeKey[], quotas: FakeQuotas[keyof FakeQuotas]) {
  if (quotas === undefined) return {};
  const organizations: Record<string, { keys: string[]; limits?: (typeof quotas.limits)[string] }> = {};
  for (const key of keys) {
    if (key.organization === undefined) continue;
    (organizations[key.organization] ??= { keys: [], limits: quotas.limits[key.organization] }).keys.push(key.secret);
  }
  return { quota: { organizations, windowMs: quotas.windowMs } };
}
