import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { projects } from './vitest.workspace.js';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

// Tests import the workspace packages by their public names; these aliases point the names at
// the sources so that `pnpm test` needs no build first. Longer subpaths come first.
const alias = [
  { find: '@stowage/core/driver', replacement: src('core/src/driver/index.ts') },
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

export default defineConfig({
  resolve: { alias },
  test: {
    // On CI, a JSON report too: .ci/run prints its totals as a plain summary line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-artifacts/vitest-results.json' }]]
      : ['default'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The list of test projects lives in vitest.workspace.ts.
    projects,
  },
});
