import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockPackagesHook, ensureBuilt, removeScratch, root, scratchFile } from './built-packages.js';

/**
 * The published shape of every package: built output only, importable as ESM and
 * `require()`-able from CommonJS on Node 22 and 24, with types, README and LICENSE.
 */
const packages = [
  { dir: 'libs/keymesh-core', name: '@keymesh/core', subpaths: ['', '/http', '/openai', '/anthropic', '/gemini', '/fetch'], exports: ['KeyPool', 'createKeymesh', 'poolOf', 'httpAdapter', 'openaiAdapter', 'anthropicAdapter', 'geminiAdapter', 'isPoolExhaustedError'] },
  { dir: 'libs/keymesh-testing', name: '@keymesh/testing', subpaths: [''], exports: ['startFakeProvider'] },
  { dir: 'libs/keymesh-redis', name: '@keymesh/redis', subpaths: [''], exports: ['RedisStore'] },
  { dir: 'libs/keymesh-opentelemetry', name: '@keymesh/opentelemetry', subpaths: ['', '/prometheus'], exports: ['instrumentKeymesh', 'poolsOf'] },
  { dir: 'libs/keymesh-proxy', name: '@keymesh/proxy', subpaths: [''], exports: ['startProxy', 'resolveConfig', 'readConfigFile', 'proxyEnvironment'], dependencies: { '@keymesh/core': '^0.1.0', '@keymesh/opentelemetry': '^0.0.0', '@opentelemetry/api': '^1.10.0', '@opentelemetry/exporter-prometheus': '>=0.300.0 <1', '@opentelemetry/sdk-metrics': '^3.1.1' } },
  { dir: 'libs/express-keymesh', name: '@keymesh/express', subpaths: [''], exports: ['keymesh', 'keymeshErrorHandler', 'signalOf', 'healthHandler'] },
  {
    dir: 'libs/nestjs-keymesh',
    name: '@keymesh/nestjs',
    subpaths: [''],
    exports: ['KeymeshModule', 'InjectKeymesh', 'KeymeshService', 'KeymeshHealthIndicator', 'KeymeshExceptionFilter', 'keysFromConfig'],
  },
];

beforeAll(() => ensureBuilt(packages), 180_000);

/** Runs a file with plain Node (no test-runner resolution), packages resolving through node_modules. */
function runNode(file: string, source: string): string {
  const path = scratchFile(file, source);
  try {
    return execFileSync(process.execPath, [path], { cwd: root, encoding: 'utf8' });
  } finally {
    removeScratch(path);
  }
}

describe.each(packages)('$name', (pkg) => {
  it('imports from a plain ESM file', () => {
    for (const subpath of pkg.subpaths) {
      const out = runNode('check.mjs', `import * as m from '${pkg.name}${subpath}'; console.log(JSON.stringify(Object.keys(m)));`);
      const names = JSON.parse(out) as string[];
      if (subpath === '') for (const name of pkg.exports) expect(names).toContain(name);
      else if (subpath === '/fetch') expect(names).toEqual(expect.arrayContaining(['keymeshFetch', 'poolOf']));
      else if (subpath === '/prometheus') expect(names).toEqual(expect.arrayContaining(['PrometheusScrapeReader', 'prometheusMeters']));
      else expect(names).toEqual(expect.arrayContaining(['createKeymesh', 'poolOf']));
    }
  });

  it('is require()-able from CommonJS', () => {
    const out = runNode('check.cjs', `const m = require('${pkg.name}'); console.log(JSON.stringify(Object.keys(m)));`);
    for (const name of pkg.exports) expect(JSON.parse(out)).toContain(name);
  });

  it('packs only built code, types, README, LICENSE and package.json', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(root, pkg.dir), encoding: 'utf8' });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect(files).toContain('package.json');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    const unexpected = files.filter((f) => !['README.md', 'LICENSE', 'package.json'].includes(f) && !/^dist\/.*\.(js|d\.ts)$/.test(f));
    expect(unexpected).toEqual([]);
    expect(files.some((f) => f.includes('.spec.') || f.includes('__tests__'))).toBe(false);
  });

  it('loads without any SDK installed: adapters never import an SDK at run time', () => {
    const hooks = blockPackagesHook('no-sdk-hooks.mjs', ['openai', '@anthropic-ai/sdk', '@google/genai']);
    try {
      const out = runNode(
        'no-sdk.mjs',
        `import { register } from 'node:module'; import { pathToFileURL } from 'node:url';
         register(pathToFileURL(${JSON.stringify(hooks)}));
         const m = await import('${pkg.name}');
         for (const sub of ${JSON.stringify(pkg.subpaths)}) await import('${pkg.name}' + sub);
         console.log(Object.keys(m).length);`,
      );
      expect(Number(out)).toBeGreaterThan(0);
    } finally {
      removeScratch(hooks);
    }
  });

  it('declares only its intended runtime dependencies (none for a library), an engines floor and the Apache-2.0 licence', () => {
    const manifest = JSON.parse(readFileSync(join(root, pkg.dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    // The proxy is an application (a CLI): it depends on the core and its metrics layer at run time. Every library has none.
    expect(manifest.dependencies ?? {}).toEqual('dependencies' in pkg ? pkg.dependencies : {});
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.engines).toEqual({ node: '>=22' });
  });
});

describe('every workspace', () => {
  it('promises the Node lines CI runs (22 and 24): engines >=22 in the root and every workspace', () => {
    const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: unknown; workspaces: string[] };
    expect(rootManifest.engines).toEqual({ node: '>=22' });
    for (const dir of rootManifest.workspaces) {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { engines?: unknown };
      expect({ dir, engines: manifest.engines }).toEqual({ dir, engines: { node: '>=22' } });
    }
  });
});
