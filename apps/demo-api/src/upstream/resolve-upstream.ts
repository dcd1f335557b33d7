import { DEMO_FAKE_QUOTAS, DEMO_FAKE_SCRIPT } from './fake-script.js';
import { startFakeUpstream } from './fake-upstream.js';
import { configuredProviders, realUpstream, type EnvSource } from './real-upstream.js';
import type { Upstream } from './upstream.js';

/** Real providers as soon as one `*_API_KEYS` variable is set; otherwise the embedded fakes. */
export async function resolveUpstream(env: EnvSource): Promise<Upstream> {
  return configuredProviders(env).length > 0 ? realUpstream(env) : startFakeUpstream(DEMO_FAKE_SCRIPT, { quotas: DEMO_FAKE_QUOTAS });
}
