import { defaultServerConditions, defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// `@keymesh/source` resolves workspace packages to their TypeScript sources, so tests run
// without a build. Vite's own conditions stay in place: replacing them (e.g. with `import`)
// hands CommonJS dependencies the ESM build of what they require().
const source = '@keymesh/source';

export default defineConfig({
  resolve: { conditions: [source, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [source, ...defaultServerConditions], externalConditions: [source] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.spec.ts', 'libs/*/src/**/*.spec.ts', 'libs/*/test/**/*.spec.ts', 'apps/*/src/**/*.spec.ts', 'apps/*/test/**/*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default'],
  },
});
