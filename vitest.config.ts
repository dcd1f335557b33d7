import { defineConfig } from 'vitest/config';

// `@keymesh/source` resolves workspace packages to their TypeScript sources, so tests run without a build.
const conditions = ['@keymesh/source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@keymesh/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.spec.ts', 'libs/*/src/**/*.spec.ts', 'libs/*/test/**/*.spec.ts', 'apps/*/src/**/*.spec.ts', 'apps/*/test/**/*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default'],
  },
});
