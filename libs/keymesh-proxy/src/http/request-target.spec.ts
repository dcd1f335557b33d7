import { describe, expect, it } from 'vitest';
import { hostChecker } from './host-check.js';
import { parseTarget } from './request-target.js';

describe('parseTarget', () => {
  it.each([
    ['/openai/v1/chat/completions', 'openai', '/v1/chat/completions', ''],
    ['/anthropic/v1/messages?beta=true', 'anthropic', '/v1/messages', 'beta=true'],
    ['/gemini/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', 'gemini', '/v1beta/models/gemini-2.0-flash:streamGenerateContent', 'alt=sse'],
  ])('maps %s to the provider path', (target, provider, upstreamPath, query) => {
    const route = parseTarget(target);
    expect(route).toMatchObject({ kind: 'provider', provider, upstreamPath });
    expect('search' in route && route.search.toString()).toBe(query);
  });

  it('knows the health and metrics routes', () => {
    expect(parseTarget('/health/keys')).toEqual({ kind: 'health' });
    expect(parseTarget('/metrics')).toEqual({ kind: 'metrics' });
  });

  it.each([
    'http://evil.example/openai/v1/chat/completions',
    'evil.example:443',
    '//evil.example/openai/v1/x',
    '/openai/v1/../../admin',
    '/openai/v1/./models',
    '/openai/v1//models',
    '/openai/v1/%2e%2e/x',
    '/openai/v1/%2E%2E%2fadmin',
    '/openai/v1/files%2fx',
    '/openai/v1/a%5cb',
    '/openai/v1/a\\b',
    '/openai/v1/a%00b',
    '/openai/v1/caf\u00e9',
  ])('refuses %s', (target) => {
    expect(parseTarget(target)).toMatchObject({ refused: true, status: 400 });
  });

  it('answers 404 for paths outside the routes', () => {
    expect(parseTarget('/v1/chat/completions')).toMatchObject({ refused: true, status: 404 });
    expect(parseTarget('/openai/v1/')).toMatchObject({ refused: true, status: 404 });
    expect(parseTarget('/openai/v2/x')).toMatchObject({ refused: true, status: 404 });
  });
});

describe('hostChecker', () => {
  it('accepts the loopback names with the bound port, and configured names', () => {
    const allowed = hostChecker(8787, ['proxy.internal']);
    for (const host of ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787', 'LOCALHOST:8787', 'proxy.internal', 'proxy.internal:8787']) expect(allowed(host)).toBe(true);
    for (const host of [undefined, '', 'localhost', 'evil.example:8787', '127.0.0.1:8788', 'rebind.attacker.example:8787']) expect(allowed(host)).toBe(false);
  });
});
