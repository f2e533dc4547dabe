import type { TestProjectConfiguration } from 'vitest/config';

// The test projects, one per package plus the repository checks and the example apps.
// vitest.config.ts imports this list (Vitest 4 reads projects from the config's test.projects);
// `pnpm exec vitest run --project <name>` runs one of them.

const project = (name: string, extra: Record<string, unknown> = {}): TestProjectConfiguration => ({
  extends: true,
  test: { name, include: [`packages/${name}/test/**/*.test.ts`], ...extra },
});

export const projects: TestProjectConfiguration[] = [
  project('core'),
  // S3 and R2 run against a real S3 server: the Ceph gateway, started once (or S3_ENDPOINT).
  project('s3', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
  project('r2', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
  project('cloudinary'),
  project('tickets', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
  project('images', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
  project('cli', { globalSetup: ['./scripts/s3-global-setup.ts'] }),
  // Repository-level checks: packed packages installed as users get them, docs samples, releases.
  { extends: true, test: { name: 'repo', include: ['test/**/*.test.ts'] } },
  // The example apps in Chromium. The Next one runs `next build`, on the packages' dist/:
  // run `pnpm build` first (`pnpm test` does).
  {
    extends: true,
    test: {
      name: 'example-express',
      include: ['examples/express/test/**/*.test.ts'],
      globalSetup: ['./scripts/s3-global-setup.ts'],
      testTimeout: 60_000,
    },
  },
  {
    extends: true,
    test: {
      name: 'example-next',
      include: ['examples/next/test/**/*.test.ts'],
      globalSetup: ['./scripts/s3-global-setup.ts'],
      testTimeout: 60_000,
      hookTimeout: 360_000,
    },
  },
];
