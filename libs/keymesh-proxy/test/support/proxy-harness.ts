import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider, type SdkFakeProviderOptions } from '@keymesh/testing';
import { resolveConfig, startProxy, type ProxyConfigFile, type RunningProxy } from '../../src/index.js';

export const token = 'kmp_test-local-token-0123456789abcdef';

export interface Harness {
  proxy: RunningProxy;
  fakes: Partial<Record<'openai' | 'anthropic' | 'gemini', FakeProvider>>;
  /** GET/POST to the proxy with the token (unless `headers` replaces it). */
  call(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the fakes named in `fakes` and a proxy in front of them, keys as the fakes know them. */
export async function startHarness(
  fakes: Partial<Record<'openai' | 'anthropic' | 'gemini', Omit<SdkFakeProviderOptions, 'provider'>>>,
  file: Omit<ProxyConfigFile, 'providers'> & { providers?: Record<string, Record<string, unknown>> } = {},
): Promise<Harness> {
  const started: Harness['fakes'] = {};
  for (const [provider, options] of Object.entries(fakes)) {
    started[provider as 'openai'] = await startFakeProvider({ provider, ...options } as SdkFakeProviderOptions);
  }
  const providers: Record<string, Record<string, unknown>> = {};
  for (const [provider, fake] of Object.entries(started)) {
    providers[provider] = { baseURL: fake.origin, keys: Object.keys(fakes[provider as 'openai']!.keys ?? {}), ...file.providers?.[provider] };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kmp-harness-'));
  const proxy = await startProxy(resolveConfig({ token, port: 0, ...file, providers }, {}), { tokenFile: join(dir, 'token') });
  return {
    proxy,
    fakes: started,
    call: (path, init = {}) => fetch(`${proxy.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } }),
    async close() {
      await proxy.close();
      await Promise.all(Object.values(started).map((f) => f.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
