import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

// Tests import the workspace packages by their public names; these aliases point the names at
// the sources so that `pnpm test` needs no build first. Longer subpaths come first.
const alias = [
  { find: '@stowage/core/http', replacement: src('core/src/http/index.ts') },
  { find: '@stowage/core/testing', replacement: src('core/src/testing/index.ts') },
  { find: '@stowage/core', replacement: src('core/src/index.ts') },
  { find: '@stowage/s3', replacement: src('s3/src/index.ts') },
  { find: '@stowage/r2', replacement: src('r2/src/index.ts') },
  { find: '@stowage/cloudinary/emulator', replacement: src('cloudinary/src/emulator/index.ts') },
  { find: '@stowage/cloudinary', replacement: src('cloudinary/src/index.ts') },
  { find: '@stowage/tickets', replacement: src('tickets/src/index.ts') },
  { find: '@stowage/images', replacement: src('images/src/index.ts') },
];

const project = (name: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include: [`packages/${name}/test/**/*.test.ts`], ...extra },
});

export default defineConfig({
  resolve: { alias },
  test: {
    // On CI, a JSON report too: .ci/run prints its totals as a plain summary line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-artifacts/vitest-results.json' }]]
      : ['default'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      project('core'),
      // S3 and R2 run against a real S3 server: the Ceph gateway, started once (or S3_ENDPOINT).
      project('s3', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
      project('r2', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
      project('cloudinary'),
      project('tickets', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
      project('images', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
      project('cli', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
      // Repository-level checks: packed packages installed as users get them, docs samples.
      { extends: true as const, test: { name: 'repo', include: ['test/**/*.test.ts'] } },
      // The example apps in Chromium. The Next one runs `next build`, on the packages' dist/:
      // run `pnpm build` first (`pnpm test` does).
      {
        extends: true as const,
        test: {
          name: 'example-express',
          include: ['examples/express/test/**/*.test.ts'],
          globalSetup: ['./scripts/s3-global-setup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true as const,
        test: {
          name: 'example-next',
          include: ['examples/next/test/**/*.test.ts'],
          globalSetup: ['./scripts/s3-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 360_000,
        },
      },
    ],
  },
});
