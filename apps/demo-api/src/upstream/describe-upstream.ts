import { keyIdOf, type KeySpec } from '@keymesh/core';
import { keysVariable } from './real-upstream.js';
import { PROVIDERS, type Upstream } from './upstream.js';

const idOf = (key: KeySpec) => (typeof key === 'string' ? keyIdOf(key) : (key.id ?? keyIdOf(key.secret)));

/**
 * The startup log: which mode, which providers, which keys, by id only. Real keys show as the
 * pool's digest ids (`key_…`), the same ids the dashboard, /health/keys and /metrics use.
 */
export function describeUpstream(upstream: Upstream): string[] {
  const lines: string[] = [];
  if (upstream.mode === 'fake') {
    lines.push(`Mode: embedded fake providers from @keymesh/testing on 127.0.0.1 (no ${PROVIDERS.map(keysVariable).join(' / ')} set); nothing leaves this machine.`);
  } else {
    const missing = PROVIDERS.filter((name) => !upstream.providers.some((p) => p.name === name));
    lines.push(`Mode: REAL providers (${upstream.providers.map((p) => p.name).join(', ')}); requests are billed to your keys.${missing.length ? ` Not configured: ${missing.join(', ')}.` : ''}`);
  }
  for (const provider of upstream.providers) {
    const keys = provider.keys.map((key) => {
      const id = idOf(key);
      const script = provider.scripts?.[id];
      return script ? `${id} = ${script}` : id;
    });
    lines.push(`  ${provider.name} (${provider.model}), ${provider.keys.length} key${provider.keys.length === 1 ? '' : 's'}: ${keys.join('; ')}`);
  }
  return lines;
}
